#include "kmldiff/kmldiff.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "cli/tool_run.hpp"
#include "kml/examples.hpp"
#include "posix/kml_file.hpp"
#include "posix/temp_dir.hpp"

namespace izo::replay {
namespace {

using Run = ToolRun;

Run kmldiff(const std::vector<std::string>& args) { return run_tool(kmldiff_main, args); }

class Kmldiff : public ::testing::Test {
 protected:
  // Writes the example workload to `name`, after `edit` changed its records.
  std::string write(const std::string& name, const std::function<void(std::vector<kml::Record>&)>& edit = {}) {
    const auto path = (dir_.path() / name).string();
    auto records = kml::example_workload(kml::kOpCount);
    if (edit) edit(records);
    auto f = posix::KmlFile::open(path);
    EXPECT_TRUE(f.ok());
    for (const auto& r : records) f->append(r);
    f->sync();
    return path;
  }
  posix::TempDir dir_;
};

TEST_F(Kmldiff, TheSameWorkloadTwiceIsTheSame) {
  const auto r = kmldiff({write("a"), write("b")});
  EXPECT_EQ(r.code, kDiffSame) << r.out << r.err;
  EXPECT_NE(r.out.find("same: 13 records compared, 0 differ"), std::string::npos) << r.out;
}

TEST_F(Kmldiff, PidsAndTimesDifferWithoutMattering) {
  const auto b = write("b", [](auto& rs) {
    for (auto& r : rs) {
      r.writer.pid += 7;
      r.time_ns += 1000;
      r.attrs.mtime_ns += 5;
    }
  });
  EXPECT_EQ(kmldiff({write("a"), b}).code, kDiffSame);
  const auto strict = kmldiff({"--ignore", "", write("a2"), b});
  EXPECT_EQ(strict.code, kDiffDiffer);
  EXPECT_NE(strict.out.find("pid: "), std::string::npos) << strict.out;
}

TEST_F(Kmldiff, APathOrVersionThatDiffersIsNamedWithTheRecord) {
  const auto b = write("b", [](auto& rs) {
    rs[3].path += "x";
    rs[4].obj_new.seq += 1;
  });
  const auto r = kmldiff({write("a"), b});
  EXPECT_EQ(r.code, kDiffDiffer);
  EXPECT_NE(r.out.find("record 4 ("), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("  path: "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("record 5 ("), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("  obj_new: "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("2 differ"), std::string::npos) << r.out;
}

TEST_F(Kmldiff, AMissingRecordIsADifference) {
  const auto b = write("b", [](auto& rs) { rs.pop_back(); });
  const auto r = kmldiff({write("a"), b});
  EXPECT_EQ(r.code, kDiffDiffer);
  EXPECT_NE(r.out.find("A has 13 records, B has 12"), std::string::npos) << r.out;
}

TEST_F(Kmldiff, ATornTailIsADifference) {
  const auto b = write("b");
  std::ofstream(b, std::ios::app) << "partial record";
  const auto r = kmldiff({write("a"), b});
  EXPECT_EQ(r.code, kDiffDiffer);
  EXPECT_NE(r.out.find("B ends with a torn"), std::string::npos) << r.out;
}

TEST_F(Kmldiff, BadUsageAndUnreadableFilesAreNamed) {
  EXPECT_EQ(kmldiff({"--ignore", "colour", write("a"), write("b")}).code, kDiffUsage);
  const auto r = kmldiff({write("a"), (dir_.path() / "absent").string()});
  EXPECT_EQ(r.code, kDiffUnreadable);
  EXPECT_NE(r.err.find("absent"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace izo::replay
