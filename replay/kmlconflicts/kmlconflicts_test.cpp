// kmlconflicts on the command line: the two ways in, exit codes, --json.
#include "kmlconflicts/kmlconflicts.hpp"

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

Run run(const std::vector<std::string>& args) { return run_tool(kmlconflicts_main, args); }

fs::path script(const fs::path& dir, const std::string& text) {
  const auto p = dir / "s.scn";
  std::ofstream(p) << text;
  return p;
}

TEST(Kmlconflicts, NeitherKmlsNorAScenarioIsAUsageError) {
  const auto r = run({});
  EXPECT_EQ(r.code, kConflictsUsage);
  EXPECT_NE(r.err.find("--scenario"), std::string::npos) << r.err;
  EXPECT_EQ(run({"a.kml"}).code, kConflictsUsage);
  EXPECT_EQ(run({"--help"}).code, 0);
}

TEST(Kmlconflicts, AScenarioAsExpectedExitsZeroAndOneThatIsNotExitsOne) {
  posix::TempDir tmp("kmlconflicts");
  const auto ok = script(tmp.path(), "common write a 1\nserver write a 2\nclient write a 3\nexpect conflict a\n");
  auto r = run({"--scenario", ok.string()});
  EXPECT_EQ(r.code, kConflictsAgree) << r.out << r.err;
  EXPECT_NE(r.out.find("as expected"), std::string::npos) << r.out;

  const auto wrong = script(tmp.path(), "common write a 1\nserver write a 2\nclient write a 3\nexpect no-conflict\n");
  r = run({"--scenario", wrong.string()});
  EXPECT_EQ(r.code, kConflictsDiffer) << r.out;
  EXPECT_NE(r.out.find("UNMET"), std::string::npos) << r.out;
}

TEST(Kmlconflicts, AScriptErrorIsBadInputNamingTheLine) {
  posix::TempDir tmp("kmlconflicts");
  const auto bad = script(tmp.path(), "common write a 1\nsever write a 2\nexpect no-conflict\n");
  const auto r = run({"--scenario", bad.string()});
  EXPECT_EQ(r.code, kConflictsBadInput);
  EXPECT_NE(r.err.find("line 2"), std::string::npos) << r.err;
}

TEST(Kmlconflicts, KmlsWrittenByAScenarioReplayWithTheCountersItPrints) {
  posix::TempDir tmp("kmlconflicts");
  const auto s = script(tmp.path(), "common write a 1\nserver unlink a\nclient write a 3\nexpect conflict a\n");
  auto r = run({"--scenario", s.string(), "--write-kmls", (tmp.path() / "out").string()});
  ASSERT_EQ(r.code, kConflictsAgree) << r.out << r.err;
  const auto at = r.err.find("--server-through ");
  ASSERT_NE(at, std::string::npos) << r.err;
  std::istringstream counters(r.err.substr(at));
  std::string flag1, a, flag2, b;
  counters >> flag1 >> a >> flag2 >> b;
  r = run({(tmp.path() / "out" / "server.kml").string(), (tmp.path() / "out" / "client.kml").string(), flag1, a,
           flag2, b, "--json"});
  ASSERT_EQ(r.code, kConflictsAgree) << r.out << r.err;
  const auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["oracle"].size(), 1u);
  EXPECT_EQ(j["oracle"][0]["path"], "a");
  EXPECT_TRUE(j["missed"].empty());
  EXPECT_TRUE(j["false"].empty());
  EXPECT_TRUE(j["converged"].get<bool>());
}

TEST(Kmlconflicts, AMissingKmlIsBadInputNamingTheFile) {
  posix::TempDir tmp("kmlconflicts");
  const auto r = run({(tmp.path() / "none.kml").string(), (tmp.path() / "c.kml").string()});
  EXPECT_EQ(r.code, kConflictsBadInput);
  EXPECT_NE(r.err.find("none.kml"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace izo::replay
