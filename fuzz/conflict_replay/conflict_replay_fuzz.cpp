// Conflict replays: the input is a policy byte, then a scenario script in
// replay/conflicts' language (what both replicas had, what each did while
// apart, and an expectation, not checked here). The script is played on two
// in-memory replicas through Presto's update path, then the protocol core
// reconnects them (forward, conflicts, reintegrate) under the policy.
// Whatever the script: a refused script says where (its line, or the script
// when it lacks an expectation); the replicas built from the logs the script
// wrote always build;
// the reconnection goes quiet (no livelock), the replicas converge, and no
// content either side wrote is lost.
//
// Still finds client-wins failures (findings/, fuzz/README.md), so the test
// run replays its seeds, regressions and findings but does not fuzz it;
// scripts/fuzz.sh conflict_replay does.
#include <cstdint>
#include <string>
#include <string_view>

#include "conflicts/reconnect.hpp"
#include "conflicts/scenario.hpp"
#include "support/check.hpp"
#include "support/entry.hpp"

namespace {

using namespace izo;
using namespace izo::replay::conflicts;

constexpr std::size_t kMaxScript = 2048;  // a run stays short
constexpr std::size_t kMaxSteps = 24;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2 || size > kMaxScript + 1) return 0;
  const replica::Policy policies[] = {replica::Policy::server_wins, replica::Policy::client_wins,
                                      replica::Policy::manual};
  const auto policy = policies[data[0] % 3];
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  auto s = parse_scenario(text, "fuzz");
  if (!s) {
    // A line that is wrong names its line; a script without an expectation names the script.
    IZO_FUZZ_REQUIRE(s.error().message.starts_with("line ") || s.error().message.starts_with("fuzz: "),
                     "a refused script does not say where: " + s.error().message);
    return 0;
  }
  if (s->steps.size() > kMaxSteps) return 0;
  auto d = play(*s);
  if (!d) {
    IZO_FUZZ_REQUIRE(d.error().message.starts_with("line "), "a refused step does not name its line: " + d.error().message);
    return 0;
  }
  const std::string policy_name(replica::policy_name(policy));
  auto r = reconnect(*d, policy);
  IZO_FUZZ_REQUIRE(r.ok(), "the replicas do not build from the logs the script wrote (" + policy_name +
                               "): " + (r.ok() ? std::string() : r.error().message));
  IZO_FUZZ_REQUIRE(r->stalled.empty(), "the reconnection never goes quiet (" + policy_name + "): " + r->stalled);
  for (const auto& path : r->lost) IZO_FUZZ_REQUIRE(false, "content lost (" + policy_name + "): " + path);
  IZO_FUZZ_REQUIRE(r->converged, "the replicas do not converge (" + policy_name + "): " + r->difference);
  return 0;
}
