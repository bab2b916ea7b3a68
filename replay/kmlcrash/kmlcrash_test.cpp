// kmlcrash on the command line: ways in, exit codes, one crash state, --json.
#include "kmlcrash/kmlcrash.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>

#include "cli/tool_run.hpp"
#include "posix/temp_dir.hpp"

namespace izo::replay {
namespace {

namespace fs = std::filesystem;

using Run = ToolRun;

Run run(const std::vector<std::string>& args) { return run_tool(kmlcrash_main, args); }

TEST(Kmlcrash, NoInputOrTwoInputsIsAUsageError) {
  EXPECT_EQ(run({}).code, kCrashUsage);
  const auto r = run({"--ace", "1", "--scenario", "x.scn"});
  EXPECT_EQ(r.code, kCrashUsage);
  EXPECT_NE(r.err.find("--ace N"), std::string::npos) << r.err;
  EXPECT_EQ(run({"--ace", "1", "--crash-after", "3"}).code, kCrashUsage);  // which workload, which target
  EXPECT_EQ(run({"--help"}).code, 0);
}

TEST(Kmlcrash, TheAceSetOfOneOperationHoldsOnAnOrderedDiskAndFailsOnAnIndependentOne) {
  auto r = run({"--ace", "1", "--json"});
  ASSERT_EQ(r.code, kCrashAllHeld) << r.out << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["failures"], 0);
  EXPECT_EQ(j["sequences"], 22);
  EXPECT_GT(j["crash_states"].get<int>(), 100);

  r = run({"--ace", "1", "--disk", "independent", "--failures", "1"});
  EXPECT_EQ(r.code, kCrashFailures) << r.out;
  // Each failure is printed with the command that replays it alone.
  const auto at = r.out.find("replay: kmlcrash --ace 1 --side both --only ");
  ASSERT_NE(at, std::string::npos) << r.out;
  std::istringstream words(r.out.substr(at + 16, r.out.find('\n', at) - at - 16));
  std::vector<std::string> again;
  for (std::string w; words >> w;) again.push_back(w);
  const auto one = run(again);
  EXPECT_EQ(one.code, kCrashFailures) << one.out << one.err;
  EXPECT_NE(one.out.find("server: "), std::string::npos) << one.out;  // the trace
  EXPECT_NE(r.out.find("--policy server-wins --disk independent"), std::string::npos) << r.out;
}

TEST(Kmlcrash, AScenarioFileIsSweptAndAMissingOneIsBadInput) {
  posix::TempDir tmp("kmlcrash");
  const auto p = tmp.path() / "s.scn";
  std::ofstream(p) << "common write a 1\nclient write a 2\nexpect no-conflict\n";
  auto r = run({"--scenario", p.string()});
  EXPECT_EQ(r.code, kCrashAllHeld) << r.out << r.err;
  EXPECT_NE(r.out.find("0 failure(s)"), std::string::npos) << r.out;
  r = run({"--scenario", (tmp.path() / "none.scn").string()});
  EXPECT_EQ(r.code, kCrashBadInput);
  EXPECT_NE(r.err.find("none.scn"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace izo::replay
