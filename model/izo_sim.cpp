// izo-sim: run the protocol core in the simulated world. One seed, a swarm of
// seeds, or every interleaving of a small world (--explore); a summary at the
// end. A failing run prints what replays it: its seed, or its trace saved
// with --save-trace and replayed with --replay.
#include <CLI/CLI.hpp>

#include <chrono>
#include <fstream>
#include <iostream>
#include <sstream>

#include "explore/explorer.hpp"
#include "print/record_print.hpp"
#include "sim/sim_world.hpp"

namespace {

using izo::model::ExploreConfig;
using izo::model::SimConfig;

struct Options {
  SimConfig cfg;
  std::uint64_t swarm = 0;
  std::string policy = "server-wins";
  bool verbose = false;
  bool journals = false;
  std::size_t trace_lines = 60;
  bool explore = false;
  std::vector<std::string> scripts;
  int max_depth = 200;
  std::uint64_t max_states = 5'000'000;
  std::string save_trace;
  std::string replay;
};

// Every node's journal, a record a line (what each host said it did, and
// what its conflict resolutions replaced: noops).
void print_journals(const izo::model::SimWorld& world) {
  for (const auto& [name, records] : world.journals()) {
    std::cout << "== " << name << " journal (" << records.size() << " records)\n";
    for (const auto& r : records) std::cout << "  " << izo::replay::record_text(r) << "\n";
  }
}

int run_seeds(Options& o) {
  SimConfig& cfg = o.cfg;
  const std::uint64_t runs = o.swarm == 0 ? 1 : o.swarm;
  const std::uint64_t first = cfg.seed;
  izo::model::SimStats total;
  std::uint64_t failed = 0;
  const auto t0 = std::chrono::steady_clock::now();
  for (std::uint64_t i = 0; i < runs; ++i) {
    cfg.seed = first + i;
    izo::model::SimWorld world(cfg);
    const auto v = world.run();
    const auto& s = world.stats();
    total.steps += s.steps;
    total.messages += s.messages;
    total.ops += s.ops;
    total.crashes += s.crashes;
    total.cuts += s.cuts;
    total.conflicts += s.conflicts;
    total.resolved += s.resolved;
    if (v) {
      ++failed;
      std::cout << "FAIL seed " << cfg.seed << ": " << v->property << "\n  " << v->detail << "\n";
      if (o.verbose) {
        for (const auto& l : world.trace_tail(o.trace_lines)) std::cout << "  | " << l << "\n";
        std::cout << world.final_state();
        if (o.journals) print_journals(world);
      }
      std::cout << "  replay: izo-sim --seed " << cfg.seed << " --clients " << cfg.clients
                << " --steps " << cfg.steps << " --policy " << o.policy
                << (cfg.crashes ? "" : " --no-crashes") << (cfg.partitions ? "" : " --no-partitions")
                << (cfg.max_cuts >= 0 ? " --max-cuts " + std::to_string(cfg.max_cuts) : "")
                << (cfg.max_crashes >= 0 ? " --max-crashes " + std::to_string(cfg.max_crashes) : "")
                << " -v\n";
    }
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::cout << "izo-sim: " << runs << " runs, " << failed << " failed; " << total.steps << " events ("
            << static_cast<std::uint64_t>(static_cast<double>(total.steps) / secs) << " events/s), "
            << total.messages << " messages, " << total.ops << " operations, " << total.cuts
            << " link cuts, " << total.crashes << " crashes, " << total.conflicts
            << " conflicts detected, " << total.resolved << " resolved\n";
  return failed == 0 ? 0 : 1;
}

// "A: write f0 A1, rename f0 f1" gives node A's script.
bool add_script(ExploreConfig& c, const std::string& spec) {
  const auto colon = spec.find(':');
  if (colon == std::string::npos) {
    std::cerr << "izo-sim: --script \"" << spec << "\": expected NODE: OP, OP, ...\n";
    return false;
  }
  std::string node = spec.substr(0, colon);
  std::erase(node, ' ');
  std::vector<izo::model::FileOp> ops;
  std::istringstream rest(spec.substr(colon + 1));
  for (std::string op; std::getline(rest, op, ',');) {
    auto m = izo::model::parse_move("op " + node + " " + op, c.clients);
    if (!m) {
      std::cerr << "izo-sim: --script: " << m.error().message << "\n";
      return false;
    }
    c.scripts.resize(static_cast<std::size_t>(c.clients) + 1);
    c.scripts[static_cast<std::size_t>(m->who)].push_back(m->file);
  }
  return true;
}

int run_explore(Options& o) {
  ExploreConfig c = o.scripts.empty() ? izo::model::small_world() : ExploreConfig{};
  c.clients = o.cfg.clients;
  c.policy = o.cfg.policy;
  c.bugs = o.cfg.bugs;
  c.max_cuts = o.cfg.partitions ? (o.cfg.max_cuts < 0 ? 1 : o.cfg.max_cuts) : 0;
  c.max_crashes = o.cfg.crashes ? (o.cfg.max_crashes < 0 ? 1 : o.cfg.max_crashes) : 0;
  c.max_depth = o.max_depth;
  c.max_states = o.max_states;
  if (!o.scripts.empty()) {
    c.scripts.assign(static_cast<std::size_t>(c.clients) + 1, {});
    for (const auto& s : o.scripts)
      if (!add_script(c, s)) return 2;
  }
  c.scripts.resize(static_cast<std::size_t>(c.clients) + 1);
  std::cout << "izo-sim explore: " << c.clients << " clients, policy " << izo::replica::policy_name(c.policy)
            << ", up to " << c.max_cuts << " cut(s) and " << c.max_crashes << " crash(es) per path\n";
  for (std::size_t n = 0; n < c.scripts.size(); ++n) {
    std::cout << "  " << izo::model::node_name(static_cast<int>(n)) << ":";
    for (const auto& op : c.scripts[n])
      std::cout << " [" << izo::model::to_text(izo::model::Move{izo::model::Move::op, static_cast<int>(n), op}).substr(5)
                << "]";
    std::cout << "\n";
  }
  const auto r = izo::model::explore(c);
  std::cout << "izo-sim explore: " << r.explored << " moves tried, " << r.distinct << " distinct states, "
            << r.quiescent << " checked at quiescence, depth " << r.depth << ", "
            << static_cast<std::uint64_t>(static_cast<double>(r.distinct) / r.seconds) << " states/s ("
            << r.seconds << " s)" << (r.complete ? ", complete" : r.violation ? "" : ", cut short by a bound")
            << "\n";
  if (!r.violation) return r.complete ? 0 : 3;
  std::cout << "VIOLATION: " << r.violation->property << "\n  " << r.violation->detail << "\n"
            << "shortest trace (" << r.trace.size() << " moves" << (r.at_quiescence ? ", then quiescence" : "")
            << "):\n";
  for (const auto& m : r.trace) std::cout << "  " << izo::model::to_text(m) << "\n";
  if (o.verbose)
    for (const auto& l : r.world_trace) std::cout << "  | " << l << "\n";
  if (!o.save_trace.empty()) {
    std::ofstream out(o.save_trace);
    out << izo::model::trace_text(c, r.trace, r.at_quiescence);
    if (!out) {
      std::cerr << "izo-sim: cannot write " << o.save_trace << "\n";
      return 2;
    }
    std::cout << "saved: izo-sim --replay " << o.save_trace << " -v\n";
  }
  return 1;
}

int run_replay(const Options& o) {
  std::ifstream in(o.replay);
  if (!in) {
    std::cerr << "izo-sim: cannot read " << o.replay << "\n";
    return 2;
  }
  std::stringstream text;
  text << in.rdbuf();
  auto t = izo::model::parse_trace(text.str());
  if (!t) {
    std::cerr << "izo-sim: " << o.replay << ": " << t.error().message << "\n";
    return 2;
  }
  auto r = izo::model::replay(*t);
  if (!r) {
    std::cerr << "izo-sim: " << o.replay << ": " << r.error().message << "\n";
    return 2;
  }
  if (o.verbose) {
    for (const auto& l : r->world_trace) std::cout << "  | " << l << "\n";
    std::cout << r->final_state;
  }
  if (!r->violation) {
    std::cout << "izo-sim replay: " << t->moves.size() << " moves, no violation\n";
    return 0;
  }
  std::cout << "izo-sim replay: " << t->moves.size() << " moves; VIOLATION: " << r->violation->property << "\n  "
            << r->violation->detail << "\n";
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  SimConfig& cfg = o.cfg;
  CLI::App app{"Run InterMezzo's protocol core in a simulated world of one server and N clients,\n"
               "with partitions, crashes and a random workload, checking its properties; or explore\n"
               "every interleaving of a small world (--explore).",
               "izo-sim"};
  app.add_option("--seed", cfg.seed, "the run's seed (a swarm starts here)")->capture_default_str();
  app.add_option("--swarm", o.swarm, "run this many seeds, from --seed on");
  app.add_option("--clients", cfg.clients, "clients besides the server")->capture_default_str()->check(CLI::Range(1, 8));
  app.add_option("--steps", cfg.steps, "random steps before healing")->capture_default_str();
  app.add_option("--policy", o.policy, "conflict policy: server-wins, client-wins, manual")
      ->capture_default_str()
      ->check(CLI::IsMember({"server-wins", "client-wins", "manual"}));
  app.add_flag("--no-crashes", [&](std::int64_t) { cfg.crashes = false; }, "never crash a node");
  app.add_flag("--no-partitions", [&](std::int64_t) { cfg.partitions = false; }, "never cut a link");
  app.add_option("--max-cuts", cfg.max_cuts, "link cuts allowed (-1: any; 1 per path when exploring)")
      ->capture_default_str();
  app.add_option("--max-crashes", cfg.max_crashes, "crashes allowed (-1: any; 1 per path when exploring)")
      ->capture_default_str();
  app.add_flag("--bug-skip-version-check", cfg.bugs.skip_version_check,
               "seeded bug: every incoming update applies, whatever its versions");
  app.add_flag("--bug-disk-lies", cfg.bugs.disk_lies_about_sync,
               "seeded bug: the store's sync() makes nothing durable");
  app.add_flag("--bug-presto-ignores-permit", cfg.bugs.presto_ignores_permit,
               "seeded bug: the filter writes without asking for the permit");
  app.add_flag("-v,--verbose", o.verbose, "print the trace and final state of a failing run");
  app.add_option("--trace", o.trace_lines, "trace lines printed with -v")->capture_default_str();
  app.add_flag("--journals", o.journals, "with -v: print every node's journal (KML) of a failing run");
  app.add_flag("--explore", o.explore,
               "explore every interleaving of a small world (breadth first, repeated states skipped)");
  app.add_option("--script", o.scripts,
                 "with --explore: a node's operations, e.g. \"A: write f0 A1, rename f0 f1\" "
                 "(default: S writes f1; A writes f0 and renames it to f1; B writes f0)");
  app.add_option("--max-depth", o.max_depth, "with --explore: moves on one path")->capture_default_str();
  app.add_option("--max-states", o.max_states, "with --explore: distinct states before stopping")
      ->capture_default_str();
  app.add_option("--save-trace", o.save_trace, "with --explore: write a violation's trace here");
  app.add_option("--replay", o.replay, "replay a trace saved by --save-trace");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  cfg.policy = *izo::replica::policy_from_name(o.policy);
  if (!o.replay.empty()) return run_replay(o);
  if (o.explore) return run_explore(o);
  return run_seeds(o);
}
