// izo-sim: run the protocol core in the simulated world. One seed, a swarm of
// seeds, and a summary; a failing run prints its seed and the command that
// replays it.
#include <CLI/CLI.hpp>

#include <chrono>
#include <iostream>

#include "sim/sim_world.hpp"

int main(int argc, char** argv) {
  izo::model::SimConfig cfg;
  std::uint64_t swarm = 0;
  std::string policy = "server-wins";
  bool verbose = false;
  std::size_t trace_lines = 60;
  CLI::App app{"Run InterMezzo's protocol core in a simulated world of one server and N clients,\n"
               "with partitions, crashes and a random workload, checking its properties.",
               "izo-sim"};
  app.add_option("--seed", cfg.seed, "the run's seed (a swarm starts here)")->capture_default_str();
  app.add_option("--swarm", swarm, "run this many seeds, from --seed on");
  app.add_option("--clients", cfg.clients, "clients besides the server")->capture_default_str()->check(CLI::Range(1, 8));
  app.add_option("--steps", cfg.steps, "random steps before healing")->capture_default_str();
  app.add_option("--policy", policy, "conflict policy: server-wins, client-wins, manual")
      ->capture_default_str()
      ->check(CLI::IsMember({"server-wins", "client-wins", "manual"}));
  app.add_flag("--no-crashes", [&](std::int64_t) { cfg.crashes = false; }, "never crash a node");
  app.add_flag("--no-partitions", [&](std::int64_t) { cfg.partitions = false; }, "never cut a link");
  app.add_option("--max-cuts", cfg.max_cuts, "link cuts allowed (-1: any)")->capture_default_str();
  app.add_option("--max-crashes", cfg.max_crashes, "crashes allowed (-1: any)")->capture_default_str();
  app.add_flag("--bug-skip-version-check", cfg.bugs.skip_version_check,
               "seeded bug: every incoming update applies, whatever its versions");
  app.add_flag("--bug-disk-lies", cfg.bugs.disk_lies_about_sync,
               "seeded bug: the store's sync() makes nothing durable");
  app.add_flag("--bug-presto-ignores-permit", cfg.bugs.presto_ignores_permit,
               "seeded bug: the filter writes without asking for the permit");
  app.add_flag("-v,--verbose", verbose, "print the trace and final state of a failing run");
  app.add_option("--trace", trace_lines, "trace lines printed with -v")->capture_default_str();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  cfg.policy = *izo::replica::policy_from_name(policy);
  const std::uint64_t runs = swarm == 0 ? 1 : swarm;
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
      if (verbose) {
        for (const auto& l : world.trace_tail(trace_lines)) std::cout << "  | " << l << "\n";
        std::cout << world.final_state();
      }
      std::cout << "  replay: izo-sim --seed " << cfg.seed << " --clients " << cfg.clients
                << " --steps " << cfg.steps << " --policy " << policy
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
