#include "conflicts/scenario.hpp"

#include <fstream>
#include <map>
#include <sstream>

#include "replica/testing/presto_sim.hpp"
#include "util/fileset_path.hpp"

namespace izo::replay::conflicts {
namespace {

namespace sim = replica::testing;

constexpr HostId kServer = 100;
constexpr HostId kClient = 101;

// How many arguments each operation takes; write's last runs to the end.
const std::map<std::string, std::size_t, std::less<>> kArity = {
    {"write", 2}, {"mkdir", 1}, {"rmdir", 1}, {"unlink", 1}, {"rename", 2}, {"chmod", 2}, {"symlink", 2}};

Error at_line(int line, const std::string& what) { return Error{"line " + std::to_string(line) + ": " + what, 0}; }

std::string trim(std::string s) {
  const auto b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return {};
  const auto e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}

// `expect conflict PATH`, `expect no-conflict`, `known engine-false PATH:
// WHY`, `known engine-missed PATH: WHY`; `first` is expect or known.
std::optional<Error> parse_expectation(Scenario& s, int line, const std::string& first, std::istringstream& words) {
  std::string kind;
  words >> kind;
  if (first == "expect" && kind == "no-conflict") {
    s.expectation_stated = true;
    return std::nullopt;
  }
  if (first == "expect" && kind == "conflict") {
    std::string path;
    if (!(words >> path)) return at_line(line, "expect conflict: which path?");
    s.expectation_stated = true;
    s.expected_conflicts.insert(path);
    return std::nullopt;
  }
  if (first == "known" && (kind == "engine-false" || kind == "engine-missed")) {
    std::string after;
    std::getline(words, after);
    const auto colon = after.find(':');
    if (colon == std::string::npos || trim(after.substr(colon + 1)).empty())
      return at_line(line, "known " + kind + " PATH: WHY (the reason is required)");
    s.known.push_back({kind == "engine-false", trim(after.substr(0, colon)), trim(after.substr(colon + 1))});
    return std::nullopt;
  }
  return at_line(line, "expected `expect conflict PATH`, `expect no-conflict`, `known engine-false PATH: WHY` or "
                       "`known engine-missed PATH: WHY`");
}

struct Replica {
  replica::MemoryStore store;
  replica::MemoryJournal journal;
  HostId id;
  explicit Replica(HostId h) : journal(h), id(h) {}
};

std::optional<Error> perform(Replica& r, const ScenarioStep& step, Divergence& d) {
  const auto& a = step.args;
  std::optional<kml::Record> rec;
  const std::string* content = nullptr;
  if (step.op == "write") {
    if (!r.store.lookup(a[0])) {
      if (auto e = perform(r, {step.line, step.side, "create", {a[0]}}, d)) return e;
    }
    rec = sim::close_record(r.store, a[0], a[1].size());
    content = &a[1];
  } else if (step.op == "create") {
    rec = sim::create_record(a[0]);
  } else if (step.op == "mkdir") {
    rec = sim::mkdir_record(a[0]);
  } else if (step.op == "symlink") {
    rec = sim::symlink_record(a[0], a[1]);
  } else if (step.op == "rmdir") {
    rec = sim::rmdir_record(r.store, a[0]);
  } else if (step.op == "unlink") {
    rec = sim::unlink_record(r.store, a[0]);
  } else if (step.op == "rename") {
    rec = sim::rename_record(r.store, a[0], a[1]);
  } else if (step.op == "chmod") {
    std::uint32_t mode = 0;
    std::istringstream in(a[1]);
    if (!(in >> std::oct >> mode) || !in.eof() || mode > 07777)
      return at_line(step.line, "chmod: " + a[1] + " is not an octal mode");
    rec = sim::chmod_record(r.store, a[0], mode);
  }
  if (!rec) return at_line(step.line, step.side + " " + step.op + ": " + a[0] + " does not exist there");
  auto done = sim::presto_update(r.store, r.journal, r.id, *rec, content);
  if (!done) return at_line(step.line, step.side + " " + step.op + " refused: " + done.error().message);
  if (content) d.contents[{r.id, r.journal.last_recno()}] = *content;
  return std::nullopt;
}

}  // namespace

Result<Scenario> parse_scenario(std::string_view text, std::string name) {
  Scenario s;
  s.name = std::move(name);
  std::istringstream in{std::string(text)};
  std::string raw;
  for (int line = 1; std::getline(in, raw); ++line) {
    const std::string l = trim(raw);
    if (l.empty() || l.front() == '#') continue;
    std::istringstream words(l);
    std::string first;
    words >> first;
    if (first == "expect" || first == "known") {
      if (auto e = parse_expectation(s, line, first, words)) return *e;
      continue;
    }
    if (first != "common" && first != "server" && first != "client")
      return at_line(line, "a step begins with common, server or client, an expectation with expect or known; got `" +
                               first + "`");
    ScenarioStep step{line, first, {}, {}};
    words >> step.op;
    const auto arity = kArity.find(step.op);
    if (arity == kArity.end()) return at_line(line, "unknown operation `" + step.op + "`");
    for (std::size_t i = 0; i + 1 < arity->second; ++i) {
      std::string w;
      if (!(words >> w)) return at_line(line, step.op + " takes " + std::to_string(arity->second) + " arguments");
      step.args.push_back(w);
    }
    std::string last;
    std::getline(words >> std::ws, last);
    if (step.op != "write") last = trim(last);
    if (last.empty() && step.op != "write")
      return at_line(line, step.op + " takes " + std::to_string(arity->second) + " arguments");
    if (step.op != "write" && last.find_first_of(" \t") != std::string::npos)
      return at_line(line, step.op + " takes " + std::to_string(arity->second) + " arguments, got more");
    step.args.push_back(last);
    // The names a filesystem could hand to Presto: no NUL, no "..", nothing
    // absolute (a symlink's target may be anything but NUL and overlong).
    const std::size_t paths = step.op == "rename" ? 2 : 1;
    for (std::size_t i = 0; i < paths; ++i)
      if (auto why = fileset_path_problem(step.args[i], false))
        return at_line(line, step.op + ": " + std::string(*why) + ": " + step.args[i]);
    if (step.op == "symlink" &&
        (step.args[1].find('\0') != std::string::npos || step.args[1].size() > IZO_KML_MAX_PATH))
      return at_line(line, "symlink: the target holds a NUL byte or is longer than 4096 bytes");
    s.steps.push_back(std::move(step));
  }
  if (!s.expectation_stated)
    return Error{s.name + ": no expectation (`expect conflict PATH` or `expect no-conflict`)", 0};
  return s;
}

Result<Scenario> read_scenario(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) return Error{path.string() + ": cannot read", 0};
  std::ostringstream text;
  text << in.rdbuf();
  auto parsed = parse_scenario(text.str(), path.string());
  if (!parsed) return Error{path.string() + ": " + parsed.error().message, 0};
  return parsed;
}

Result<Divergence> play(const Scenario& s) {
  Divergence d;
  d.server_id = kServer;
  d.client_id = kClient;
  Replica server(kServer), client(kClient);
  bool parted = false;
  for (const auto& step : s.steps) {
    if (step.side == "common") {
      if (parted) return at_line(step.line, "common steps come before the server's and the client's");
      if (auto e = perform(server, step, d)) return *e;
      continue;
    }
    if (!parted) {
      // The client had everything in common: the server's records so far.
      parted = true;
      d.server_through = server.journal.last_recno();
      for (const auto& r : server.journal.records())
        if (auto e = apply_as_made(client.store, d, r)) return Error{"common tree: " + e->message, 0};
    }
    if (auto e = perform(step.side == "server" ? server : client, step, d)) return *e;
  }
  if (!parted) d.server_through = server.journal.last_recno();
  d.server = server.journal.records();
  d.client = client.journal.records();
  return d;
}

}  // namespace izo::replay::conflicts

namespace izo::replay::conflicts {
namespace {
std::string listed(const std::set<std::string>& paths) {
  std::string out;
  for (const auto& p : paths) out += (out.empty() ? "" : " ") + p;
  return "{" + out + "}";
}
}  // namespace

std::vector<std::string> unmet_expectations(const Scenario& s, const std::vector<OracleConflict>& oracle,
                                            const Comparison& c, const Reconnection& r) {
  std::vector<std::string> unmet;
  if (!r.stalled.empty()) return {"the reconnection never went quiet: " + r.stalled};
  std::set<std::string> found;
  for (const auto& o : oracle) found.insert(o.path);
  if (found != s.expected_conflicts)
    unmet.push_back("the oracle finds conflicts " + listed(found) + ", the scenario expects " +
                    listed(s.expected_conflicts));

  const auto known = [&](bool engine_false, const std::string& path) {
    for (const auto& k : s.known)
      if (k.engine_false == engine_false && k.path == path) return true;
    return false;
  };
  std::set<std::string> false_paths, missed_paths;
  for (const auto& f : c.false_conflicts) {
    false_paths.insert(f.engine.path);
    if (!known(true, f.engine.path))
      unmet.push_back("unexplained false conflict at " + f.engine.path + " (" + f.engine.host + ": " +
                      f.engine.reason + "); the oracle: " + f.oracle_view);
  }
  for (const auto& m : c.missed) {
    missed_paths.insert(m.path);
    if (!known(false, m.path)) unmet.push_back("unexplained missed conflict at " + m.path + ": " + m.reason);
  }
  for (const auto& k : s.known) {
    const auto& happened = k.engine_false ? false_paths : missed_paths;
    if (!happened.contains(k.path))
      unmet.push_back(std::string("known engine-") + (k.engine_false ? "false " : "missed ") + k.path +
                      " no longer happens: the engines agree with the oracle there (drop the line)");
  }
  if (!r.converged) unmet.push_back("the replicas did not converge: " + r.difference);
  for (const auto& l : r.lost) unmet.push_back("lost: " + l);
  for (const auto& e : r.errors) unmet.push_back("engine error: " + e);
  return unmet;
}

}  // namespace izo::replay::conflicts
