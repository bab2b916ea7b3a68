#include "explore/explorer.hpp"

#include <chrono>
#include <functional>
#include <memory>
#include <sstream>
#include <unordered_set>

namespace izo::model {

SimConfig ExploreConfig::world(bool trace) const {
  SimConfig c;
  c.trace = trace;
  c.seed = 1;
  c.clients = clients;
  c.policy = policy;
  c.bugs = bugs;
  return c;
}

ExploreConfig small_world() {
  ExploreConfig c;
  c.clients = 2;
  c.scripts.resize(3);
  c.scripts[0] = {FileOp{FileOp::write, "f1", "", "S1"}};
  c.scripts[1] = {FileOp{FileOp::write, "f0", "", "A1"}, FileOp{FileOp::rename, "f0", "f1", ""}};
  c.scripts[2] = {FileOp{FileOp::write, "f0", "", "B1"}};
  return c;
}

namespace {

// A state is remembered by the move that first reached it from its parent.
// An op move is stored without its operation: it is the node's next one in
// its script, found again when the path is replayed.
struct Entry {
  std::uint32_t parent = 0;
  Move::Kind kind = Move::deliver;
  std::int16_t who = 0;
};

// A world replayed to some state, with what the scripts and fault budgets
// say may still happen there.
struct Run {
  std::unique_ptr<SimWorld> world;
  std::vector<std::size_t> next_op;  // per node: index into its script
  int cuts = 0, crashes = 0;
  std::vector<Move> moves;           // the moves made, operations filled in
};

class Explorer {
 public:
  explicit Explorer(const ExploreConfig& c) : cfg_(c) { cfg_.scripts.resize(static_cast<std::size_t>(c.clients) + 1); }

  ExploreReport go() {
    const auto t0 = std::chrono::steady_clock::now();
    {
      Run root = fresh();
      visited_.insert(fingerprint(root));
    }
    entries_.push_back(Entry{});  // the start: entry 0, reached by no move
    report_.distinct = 1;
    std::vector<std::uint32_t> frontier{0};
    bool cut_short = false;
    while (!frontier.empty() && !report_.violation && !cut_short) {
      if (report_.depth >= cfg_.max_depth) {
        cut_short = true;
        break;
      }
      std::vector<std::uint32_t> next;
      for (std::size_t i = 0; i < frontier.size() && !report_.violation && !cut_short; ++i)
        cut_short = !expand(frontier[i], next);
      if (!next.empty()) ++report_.depth;
      frontier = std::move(next);
    }
    report_.complete = !cut_short && !report_.violation;
    report_.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (report_.violation) {
      // The world's own trace of the violating run, for people.
      Run r = fresh(true);
      for (const auto& m : report_.trace) (void)r.world->apply(m);
      if (report_.at_quiescence) (void)r.world->finish();
      report_.world_trace = r.world->trace_tail(100000);
    }
    return report_;
  }

 private:
  Run fresh(bool trace = false) const {
    Run r;
    r.world = std::make_unique<SimWorld>(cfg_.world(trace));
    r.next_op.assign(cfg_.scripts.size(), 0);
    return r;
  }

  std::vector<Entry> path_to(std::uint32_t idx) const {
    std::vector<Entry> path;
    for (; idx != 0; idx = entries_[idx].parent) path.push_back(entries_[idx]);
    return {path.rbegin(), path.rend()};
  }

  // The full move an entry stands for in run r.
  Move move_of(const Run& r, const Entry& e) const {
    Move m{e.kind, e.who, {}};
    if (e.kind == Move::op) m.file = cfg_.scripts[static_cast<std::size_t>(e.who)][r.next_op[static_cast<std::size_t>(e.who)]];
    return m;
  }

  // Makes a move in r, keeping the scripts' places and the fault budgets.
  bool make(Run& r, const Move& m) const {
    if (!r.world->apply(m)) return false;
    if (m.kind == Move::op) ++r.next_op[static_cast<std::size_t>(m.who)];
    if (m.kind == Move::cut) ++r.cuts;
    if (m.kind == Move::crash) ++r.crashes;
    r.moves.push_back(m);
    return true;
  }

  Run replay(const std::vector<Entry>& path) const {
    Run r = fresh();
    for (const auto& e : path) {
      const Move m = move_of(r, e);
      if (!make(r, m)) throw std::logic_error("explorer: replay of " + to_text(m) + " not possible");
    }
    return r;
  }

  // What may happen next in r; progress says whether anything but an
  // optional fault (a cut, a crash) is among it.
  std::vector<Entry> possible(const Run& r, bool& progress) const {
    std::vector<Entry> out;
    const SimWorld& w = *r.world;
    for (const auto& d : w.deliveries()) out.push_back(Entry{0, d.kind, static_cast<std::int16_t>(d.who)});
    for (int n = 0; n < w.node_count(); ++n)
      if (w.node_up(n) && !w.node_busy(n) && r.next_op[static_cast<std::size_t>(n)] < cfg_.scripts[static_cast<std::size_t>(n)].size())
        out.push_back(Entry{0, Move::op, static_cast<std::int16_t>(n)});
    for (int c = 0; c < cfg_.clients; ++c)
      if (!w.link_up(c) && w.node_up(0) && w.node_up(c + 1)) out.push_back(Entry{0, Move::heal, static_cast<std::int16_t>(c)});
    for (int n = 0; n < w.node_count(); ++n)
      if (!w.node_up(n)) out.push_back(Entry{0, Move::restart, static_cast<std::int16_t>(n)});
    progress = !out.empty();
    if (r.cuts < cfg_.max_cuts)
      for (int c = 0; c < cfg_.clients; ++c)
        if (w.link_up(c)) out.push_back(Entry{0, Move::cut, static_cast<std::int16_t>(c)});
    if (r.crashes < cfg_.max_crashes)
      for (int n = 0; n < w.node_count(); ++n)
        if (w.node_up(n)) out.push_back(Entry{0, Move::crash, static_cast<std::int16_t>(n)});
    return out;
  }

  std::uint64_t fingerprint(const Run& r) const {
    std::string text = r.world->canonical_state();
    text += "budget " + std::to_string(r.cuts) + " " + std::to_string(r.crashes) + " ops";
    for (auto p : r.next_op) text += " " + std::to_string(p);
    return std::hash<std::string>{}(text);
  }

  void found(const Run& r, const Violation& v, bool at_quiescence) {
    report_.violation = v;
    report_.trace = r.moves;
    report_.at_quiescence = at_quiescence;
  }

  // Expands one state; false when a bound stops the search.
  bool expand(std::uint32_t idx, std::vector<std::uint32_t>& next) {
    const auto path = path_to(idx);
    Run here = replay(path);
    bool progress = false;
    const auto moves = possible(here, progress);
    const bool quiescent = !progress;
    if (quiescent) {
      ++report_.quiescent;
      if (auto v = here.world->finish()) {
        found(here, *v, true);
        return true;
      }
    }
    for (std::size_t i = 0; i < moves.size(); ++i) {
      const bool reuse = i + 1 == moves.size() && !quiescent;
      Run child = reuse ? std::move(here) : replay(path);
      const Move m = move_of(child, moves[i]);
      if (!make(child, m)) throw std::logic_error("explorer: " + to_text(m) + " was offered but is not possible");
      ++report_.explored;
      if (const auto& v = child.world->violation()) {
        found(child, *v, false);
        return true;
      }
      if (!visited_.insert(fingerprint(child)).second) continue;
      Entry e = moves[i];
      e.parent = idx;
      entries_.push_back(e);
      next.push_back(static_cast<std::uint32_t>(entries_.size() - 1));
      if (++report_.distinct >= cfg_.max_states) return false;
    }
    return true;
  }

  ExploreConfig cfg_;
  ExploreReport report_;
  std::vector<Entry> entries_;
  std::unordered_set<std::uint64_t> visited_;
};

const char* bug_names[] = {"skip-version-check", "disk-lies", "presto-ignores-permit"};

bool* bug_flag(SimConfig::Bugs& b, std::string_view name) {
  if (name == bug_names[0]) return &b.skip_version_check;
  if (name == bug_names[1]) return &b.disk_lies_about_sync;
  if (name == bug_names[2]) return &b.presto_ignores_permit;
  return nullptr;
}

}  // namespace

ExploreReport explore(const ExploreConfig& config) { return Explorer(config).go(); }

std::string trace_text(const ExploreConfig& config, const std::vector<Move>& moves, bool finish) {
  std::string out = "# izo-sim trace: replay with izo-sim --replay FILE\n";
  out += "clients " + std::to_string(config.clients) + "\n";
  out += "policy " + std::string(replica::policy_name(config.policy)) + "\n";
  SimConfig::Bugs bugs = config.bugs;
  for (const char* name : bug_names)
    if (*bug_flag(bugs, name)) out += std::string("bug ") + name + "\n";
  for (const auto& m : moves) out += to_text(m) + "\n";
  if (finish) out += "finish\n";
  return out;
}

Result<SavedTrace> parse_trace(std::string_view text) {
  SavedTrace t;
  std::istringstream in{std::string(text)};
  int line_no = 0;
  bool moves_started = false;
  auto bad = [&](const std::string& why) { return make_error("trace line " + std::to_string(line_no) + ": " + why); };
  for (std::string line; std::getline(in, line);) {
    ++line_no;
    if (line.empty() || line[0] == '#') continue;
    if (t.finish) return bad("nothing may follow \"finish\"");
    std::istringstream words(line);
    std::string verb, arg;
    words >> verb >> arg;
    if (verb == "clients" && !moves_started) {
      try {
        t.config.clients = std::stoi(arg);
      } catch (const std::exception&) {
        return bad("not a number of clients: " + arg);
      }
      if (t.config.clients < 1 || t.config.clients > 8) return bad("clients must be 1 to 8");
    } else if (verb == "policy" && !moves_started) {
      auto p = replica::policy_from_name(arg);
      if (!p) return bad("unknown policy " + arg + " (server-wins, client-wins, manual)");
      t.config.policy = *p;
    } else if (verb == "bug" && !moves_started) {
      bool* flag = bug_flag(t.config.bugs, arg);
      if (!flag) return bad("unknown bug " + arg);
      *flag = true;
    } else if (verb == "finish") {
      t.finish = true;
    } else {
      moves_started = true;
      auto m = parse_move(line, t.config.clients);
      if (!m) return bad(m.error().message);
      t.moves.push_back(*m);
    }
  }
  return t;
}

Result<ReplayOutcome> replay(const SavedTrace& trace) {
  SimWorld w(trace.config.world());
  ReplayOutcome out;
  for (std::size_t i = 0; i < trace.moves.size(); ++i) {
    if (!w.apply(trace.moves[i]))
      return make_error("move " + std::to_string(i + 1) + " (" + to_text(trace.moves[i]) +
                        ") is not possible where the world stands");
    if (w.violation()) break;
  }
  out.violation = w.violation();
  if (!out.violation && trace.finish) out.violation = w.finish();
  out.world_trace = w.trace_tail(100000);
  out.final_state = w.final_state();
  return out;
}

}  // namespace izo::model
