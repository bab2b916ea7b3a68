#include "sim/move.hpp"

#include <charconv>
#include <sstream>
#include <vector>

namespace izo::model {

std::string node_name(int node) { return node == 0 ? "S" : std::string(1, static_cast<char>('A' + node - 1)); }

std::string to_text(const Move& m) {
  switch (m.kind) {
    case Move::deliver: {
      const std::string client = node_name(m.who / 2 + 1);
      return m.who % 2 == 0 ? "deliver " + client + "->S" : "deliver S->" + client;
    }
    case Move::fetch: return "fetch " + std::to_string(m.who);
    case Move::cut: return "cut " + node_name(m.who + 1);
    case Move::heal: return "heal " + node_name(m.who + 1);
    case Move::crash: return "crash " + node_name(m.who);
    case Move::restart: return "restart " + node_name(m.who);
    case Move::op: {
      std::string s = "op " + node_name(m.who) + " ";
      switch (m.file.kind) {
        case FileOp::write: return s + "write " + m.file.path + " " + m.file.content;
        case FileOp::unlink: return s + "unlink " + m.file.path;
        case FileOp::rename: return s + "rename " + m.file.path + " " + m.file.path2;
        case FileOp::mkdir: return s + "mkdir " + m.file.path;
      }
    }
  }
  return "?";
}

namespace {

// Node index of a name, or -1.
int node_of(std::string_view name, int clients) {
  if (name == "S") return 0;
  if (name.size() == 1 && name[0] >= 'A' && name[0] < 'A' + clients) return name[0] - 'A' + 1;
  return -1;
}

}  // namespace

Result<Move> parse_move(std::string_view line, int clients) {
  std::vector<std::string> w;
  std::istringstream in{std::string(line)};
  for (std::string word; in >> word;) w.push_back(word);
  auto bad = [&](const std::string& why) { return make_error("move \"" + std::string(line) + "\": " + why); };
  if (w.empty()) return bad("empty line");
  auto node = [&](const std::string& name) { return node_of(name, clients); };
  Move m;
  const std::string& verb = w[0];
  if (verb == "deliver") {
    m.kind = Move::deliver;
    if (w.size() != 2) return bad("expected \"deliver X->S\" or \"deliver S->X\"");
    const auto arrow = w[1].find("->");
    if (arrow == std::string::npos) return bad("no \"->\" in " + w[1]);
    const int from = node(w[1].substr(0, arrow)), to = node(w[1].substr(arrow + 2));
    if (from < 0 || to < 0 || (from == 0) == (to == 0)) return bad("a message goes between S and a client");
    m.who = from == 0 ? 2 * (to - 1) + 1 : 2 * (from - 1);
    return m;
  }
  if (verb == "fetch") {
    m.kind = Move::fetch;
    if (w.size() != 2) return bad("expected \"fetch N\"");
    const auto [p, ec] = std::from_chars(w[1].data(), w[1].data() + w[1].size(), m.who);
    if (ec != std::errc{} || p != w[1].data() + w[1].size() || m.who < 0) return bad("not a fetch index: " + w[1]);
    return m;
  }
  if (verb == "cut" || verb == "heal") {
    m.kind = verb == "cut" ? Move::cut : Move::heal;
    if (w.size() != 2 || node(w[1]) <= 0) return bad("expected a client's name after " + verb);
    m.who = node(w[1]) - 1;
    return m;
  }
  if (verb == "crash" || verb == "restart") {
    m.kind = verb == "crash" ? Move::crash : Move::restart;
    if (w.size() != 2 || node(w[1]) < 0) return bad("expected a node's name after " + verb);
    m.who = node(w[1]);
    return m;
  }
  if (verb == "op") {
    m.kind = Move::op;
    if (w.size() < 4 || node(w[1]) < 0) return bad("expected \"op NODE write|unlink|rename|mkdir PATH ...\"");
    m.who = node(w[1]);
    const std::string& what = w[2];
    m.file.path = w[3];
    if (what == "write" && w.size() == 5) {
      m.file.kind = FileOp::write;
      m.file.content = w[4];
    } else if (what == "unlink" && w.size() == 4) {
      m.file.kind = FileOp::unlink;
    } else if (what == "rename" && w.size() == 5) {
      m.file.kind = FileOp::rename;
      m.file.path2 = w[4];
    } else if (what == "mkdir" && w.size() == 4) {
      m.file.kind = FileOp::mkdir;
    } else {
      return bad("expected write PATH CONTENT, unlink PATH, rename FROM TO or mkdir PATH");
    }
    return m;
  }
  return bad("unknown move " + verb + " (deliver, fetch, op, cut, heal, crash, restart)");
}

}  // namespace izo::model
