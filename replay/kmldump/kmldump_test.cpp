#include "kmldump/kmldump.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>

#include "cli/tool_run.hpp"
#include "kml/examples.hpp"
#include "posix/kml_file.hpp"
#include "posix/temp_dir.hpp"

namespace izo::replay {
namespace {

using Run = ToolRun;

Run kmldump(const std::vector<std::string>& args) { return run_tool(kmldump_main, args); }

std::vector<std::string> lines(const std::string& s) {
  std::vector<std::string> v;
  std::istringstream in(s);
  for (std::string l; std::getline(in, l);) v.push_back(l);
  return v;
}

class Kmldump : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = (dir_.path() / "kml").string();
    auto f = posix::KmlFile::open(path_);
    ASSERT_TRUE(f.ok());
    for (const auto& r : kml::example_workload(kml::kOpCount)) f->append(r);
    f->sync();
  }
  posix::TempDir dir_;
  std::string path_;
};

TEST_F(Kmldump, PrintsOneLinePerRecordInOrder) {
  auto r = kmldump({path_});
  EXPECT_EQ(r.code, kExitClean) << r.err;
  const auto l = lines(r.out);
  ASSERT_EQ(l.size(), kml::kOpCount);
  EXPECT_EQ(l[0].rfind("#1 @0 noop path=\"\"", 0), 0u) << l[0];
  EXPECT_NE(l[5].find("rename path=\"docs/a.txt.5\" to=\"archive/a.txt\""), std::string::npos) << l[5];
  EXPECT_NE(l[5].find("replaced=9:3"), std::string::npos) << l[5];
  EXPECT_TRUE(r.err.empty());
}

TEST_F(Kmldump, JsonCarriesEveryField) {
  auto r = kmldump({"--json", path_});
  ASSERT_EQ(r.code, kExitClean);
  const auto l = lines(r.out);
  ASSERT_EQ(l.size(), kml::kOpCount);
  const auto j = nlohmann::json::parse(l[11]);
  EXPECT_EQ(j["op"], "setxattr");
  EXPECT_EQ(j["recno"], 12);
  EXPECT_EQ(j["path2"], "user.comment");
  EXPECT_EQ(j["data_hex"], "62696e6172790076616c7565");  // "binary\0value"
  EXPECT_EQ(j["versions"]["obj_old"]["host"], 7);
  EXPECT_EQ(j["writer"]["pid"], 4242);
}

TEST_F(Kmldump, FromAndToSelectRecordNumbers) {
  auto r = kmldump({"--from", "3", "--to", "5", path_});
  ASSERT_EQ(r.code, kExitClean);
  const auto l = lines(r.out);
  ASSERT_EQ(l.size(), 3u);
  EXPECT_EQ(l[0].rfind("#3 ", 0), 0u);
  EXPECT_EQ(l[2].rfind("#5 ", 0), 0u);
}

TEST_F(Kmldump, ReverseIsTheForwardListingBackwards) {
  auto fwd = lines(kmldump({path_}).out);
  auto r = kmldump({"--reverse", path_});
  ASSERT_EQ(r.code, kExitClean);
  auto bwd = lines(r.out);
  std::reverse(bwd.begin(), bwd.end());
  EXPECT_EQ(fwd, bwd);
  auto some = lines(kmldump({"--reverse", "--from", "2", "--to", "4", path_}).out);
  ASSERT_EQ(some.size(), 3u);
  EXPECT_EQ(some[0].rfind("#4 ", 0), 0u);
}

TEST_F(Kmldump, CheckSaysACleanLogIsSound) {
  auto r = kmldump({"--check", path_});
  EXPECT_EQ(r.code, kExitClean);
  EXPECT_EQ(r.out.rfind("ok: 13 records (recno 1..13)", 0), 0u) << r.out;
}

TEST_F(Kmldump, CheckReportsATornTailWithItsOffset) {
  const auto size = std::filesystem::file_size(path_);
  std::filesystem::resize_file(path_, size + 100);
  auto r = kmldump({"--check", path_});
  EXPECT_EQ(r.code, kExitTorn);
  EXPECT_NE(r.out.find("torn tail at offset " + std::to_string(size)), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("zero-filled"), std::string::npos) << r.out;
}

TEST_F(Kmldump, CheckReportsTheFirstBadRecordAndItsOffset) {
  {
    std::fstream io(path_, std::ios::in | std::ios::out | std::ios::binary);
    io.seekp(240 + 8);  // record 2 starts at 240 (a noop with empty paths)
    io.put('\x55');
  }
  auto r = kmldump({"--check", path_});
  EXPECT_EQ(r.code, kExitCorrupt);
  EXPECT_NE(r.out.find("1 records (recno 1..1) good"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("bad record at offset 240"), std::string::npos) << r.out;
  // Printing stops at the damage, and says why.
  auto p = kmldump({path_});
  EXPECT_EQ(p.code, kExitCorrupt);
  EXPECT_EQ(lines(p.out).size(), 1u);
  EXPECT_NE(p.err.find("records after it are not used"), std::string::npos) << p.err;
}

TEST_F(Kmldump, FileThatIsNotAKmlGetsAClearError) {
  const auto txt = dir_.path() / "notes.txt";
  std::ofstream(txt) << "#!/bin/sh\necho this is a shell script, not a journal\n";
  auto r = kmldump({txt.string()});
  EXPECT_EQ(r.code, kExitNotKml);
  EXPECT_TRUE(r.out.empty());
  EXPECT_NE(r.err.find("is not a KML file (bad magic at offset 0)"), std::string::npos) << r.err;
}

TEST_F(Kmldump, MissingFileGetsAClearError) {
  auto r = kmldump({(dir_.path() / "nope").string()});
  EXPECT_EQ(r.code, kExitNotKml);
  EXPECT_NE(r.err.find("No such file or directory"), std::string::npos) << r.err;
}

TEST_F(Kmldump, EmptyFileIsACleanEmptyLog) {
  const auto empty = dir_.path() / "empty";
  std::ofstream(empty).close();
  auto r = kmldump({"--check", empty.string()});
  EXPECT_EQ(r.code, kExitClean);
  EXPECT_EQ(r.out.rfind("ok: 0 records", 0), 0u);
}

TEST_F(Kmldump, UsageErrorsSaySo) {
  EXPECT_EQ(kmldump({}).code, kExitUsage);
  EXPECT_EQ(kmldump({"--bogus", path_}).code, kExitUsage);
  EXPECT_EQ(kmldump({"--from", "5", "--to", "2", path_}).code, kExitUsage);
  auto h = kmldump({"--help"});
  EXPECT_EQ(h.code, kExitClean);
  EXPECT_NE(h.out.find("--reverse"), std::string::npos);
}

}  // namespace
}  // namespace izo::replay
