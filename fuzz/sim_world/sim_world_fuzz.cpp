// The whole protocol core under a fuzzer: a simulated world (model/) of one
// server and up to three clients running the unchanged replica engines. The
// input's first bytes set the world (how many clients, how long, the conflict
// policy, which faults), the rest is the tape of the run's choices: which
// message is delivered, which operation a client makes, when links are cut
// and nodes crash.
//
// Built twice. `sim_world` explores the worlds the model checker's own swarm
// asserts today (links up, nodes running, the server-wins policy); it runs
// in CI. `sim_wide` (IZO_SIM_WIDE) adds the client-wins and manual policies,
// partitions, and crashes with restarts, where violations are still found
// (fuzz/sim_wide/findings/, fuzz/README.md); scripts/fuzz.sh runs it on demand. Every property the model
// checker knows is checked after every step and at quiescence (one permit
// holder, nothing acknowledged lost, convergence, conflicts exactly when
// concurrent, last_rcvd monotonic and durable); a violation aborts with the
// property, what broke it and the end of the trace.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "sim/sim_world.hpp"
#include "support/check.hpp"
#include "support/entry.hpp"
#include "support/tape.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace izo;
  fuzz::Tape t(data, size);
  model::SimConfig cfg;
  cfg.seed = 1 + t.byte();
  cfg.clients = 1 + static_cast<int>(t.below(3));
  cfg.steps = 10 + static_cast<int>(t.below(120));
  const auto policy = t.below(3);
  const auto faults = t.byte();
#ifdef IZO_SIM_WIDE
  cfg.policy = policy == 0 ? replica::Policy::server_wins
               : policy == 1 ? replica::Policy::client_wins
                             : replica::Policy::manual;
  cfg.crashes = (faults & 1u) != 0;
  cfg.partitions = (faults & 2u) != 0;
  cfg.fault_percent = 1 + (faults >> 2) % 10;
#else
  (void)policy;
  (void)faults;
  cfg.policy = replica::Policy::server_wins;
  cfg.crashes = false;
  cfg.partitions = false;
#endif
  cfg.op_percent = 10 + static_cast<unsigned>(t.below(50));
  cfg.files = 1 + static_cast<int>(t.below(4));
  if (size > 7) cfg.tape.assign(data + 7, data + size);  // after the 7 bytes read above

  model::SimWorld world(cfg);
  if (const auto v = world.run()) {
    // The last events that did something (heartbeats left out).
    std::vector<std::string> lines;
    for (const auto& line : world.trace_tail(100000))
      if (line.find(" heartbeat") == std::string::npos) lines.push_back(line);
    // IZO_SIM_TRACE_LINES widens the window when diagnosing a finding.
    std::size_t keep = 80;
    if (const char* env = std::getenv("IZO_SIM_TRACE_LINES")) keep = std::strtoul(env, nullptr, 10);
    std::string trace;
    for (std::size_t i = lines.size() > keep ? lines.size() - keep : 0; i < lines.size(); ++i) trace += "  " + lines[i] + "\n";
    IZO_FUZZ_REQUIRE(false, "property " + v->property + " violated: " + v->detail + "\n" + trace);
  }
  return 0;
}
