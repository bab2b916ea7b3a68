// kmlreplay: outcomes per record, idempotence, --until, refusals, content.
#include "kmlreplay/kmlreplay.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "posix/kml_file.hpp"
#include "posix/object_attrs.hpp"
#include "posix/temp_dir.hpp"
#include "util/bytes.hpp"
#include "util/crc32c.hpp"

namespace izo::replay {
namespace {

namespace fs = std::filesystem;
using kml::Op;

kml::Record rec(Op op, std::string path, Version old_v, Version new_v, std::string path2 = {}) {
  kml::Record r;
  r.op = op;
  r.path = std::move(path);
  r.path2 = std::move(path2);
  r.obj_old = old_v;
  r.obj_new = new_v;
  r.origin = 4;
  r.writer = {1, ::geteuid(), ::getegid()};
  if (op == Op::create) r.attrs.mode = 0100644;
  if (op == Op::mkdir) r.attrs.mode = 040755;
  if (op == Op::close) {
    r.attrs.valid = IZO_ATTR_SIZE;
    r.attrs.size = 5;  // the contents the tests write; a close to size 0 would say the whole content
  }
  return r;
}

// The writer's workload: records numbered 1.. with versions {4, n}.
std::vector<kml::Record> workload() {
  return {
      rec(Op::mkdir, "docs", {}, {4, 1}),
      rec(Op::create, "docs/a", {}, {4, 2}),
      rec(Op::close, "docs/a", {4, 2}, {4, 3}),
      rec(Op::rename, "docs/a", {4, 3}, {4, 4}, "docs/b"),
      rec(Op::create, "tmp", {}, {4, 5}),
      rec(Op::unlink, "tmp", {4, 5}, {}),
  };
}

struct Fixture {
  posix::TempDir dir{"kmlreplay-test"};
  fs::path kml = dir.path() / "kml";
  fs::path out = dir.path() / "out";
  void write(const std::vector<kml::Record>& rs) {
    auto f = posix::KmlFile::open(kml);
    ASSERT_TRUE(f.ok()) << f.error().message;
    for (const auto& r : rs) f->append(r);
    f->sync();
  }
  int run(std::vector<std::string> args, std::string* output = nullptr) {
    std::ostringstream o, e;
    args.insert(args.begin(), {kml.string(), out.string()});
    const int rc = kmlreplay_main(args, o, e);
    if (output) *output = o.str() + e.str();
    return rc;
  }
};

TEST(Kmlreplay, ReplayingTwiceChangesNothingTheSecondTime) {
  Fixture fx;
  fx.write(workload());
  std::string first, second;
  ASSERT_EQ(fx.run({"--json"}, &first), kReplayClean) << first;
  EXPECT_NE(first.find(R"("applied":6)"), std::string::npos) << first;
  EXPECT_TRUE(fs::exists(fx.out / "docs/b"));
  EXPECT_FALSE(fs::exists(fx.out / "docs/a"));
  EXPECT_FALSE(fs::exists(fx.out / "tmp"));
  EXPECT_EQ(posix::read_version((fx.out / "docs/b").string()), (Version{4, 4}));
  ASSERT_EQ(fx.run({"--json"}, &second), kReplayClean) << second;
  EXPECT_NE(second.find(R"("applied":0)"), std::string::npos) << second;
  EXPECT_NE(second.find(R"("duplicate":6)"), std::string::npos) << second;
}

TEST(Kmlreplay, UntilStopsAfterThatRecord) {
  Fixture fx;
  fx.write(workload());
  std::string text;
  ASSERT_EQ(fx.run({"--until", "2"}, &text), kReplayClean) << text;
  EXPECT_TRUE(fs::exists(fx.out / "docs/a"));
  EXPECT_EQ(text.find("#3"), std::string::npos) << text;
  ASSERT_EQ(fx.run({}, &text), kReplayClean) << text;  // the rest, later
  EXPECT_NE(text.find("#1 duplicate"), std::string::npos) << text;
  EXPECT_NE(text.find("#3 applied close"), std::string::npos) << text;
  EXPECT_TRUE(fs::exists(fx.out / "docs/b"));
}

TEST(Kmlreplay, RecordNamingAPathOutsideTheFilesetStopsTheReplayThere) {
  Fixture fx;
  auto rs = workload();
  rs.insert(rs.begin() + 1, rec(Op::create, "xx/escape", {}, {4, 9}));
  fx.write(rs);
  // Make the second record's path "../escape", with a correct checksum: only
  // the record's meaning is bad.
  std::ifstream in(fx.kml, std::ios::binary);
  std::vector<std::uint8_t> b((std::istreambuf_iterator<char>(in)), {});
  in.close();
  const std::size_t first_len = get_le<std::uint32_t>(b.data() + 4);
  std::uint8_t* second = b.data() + first_len;
  const std::uint32_t len = get_le<std::uint32_t>(second + 4);
  second[IZO_KML_HEAD_SIZE] = '.';
  second[IZO_KML_HEAD_SIZE + 1] = '.';
  put_le<std::uint32_t>(second + len - IZO_KML_TAIL_SIZE, crc32c(second, len - IZO_KML_TAIL_SIZE));
  std::ofstream(fx.kml, std::ios::binary).write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
  // A record that breaks the format's rules is damage (protocol/kml/FORMAT.md):
  // what comes before it is replayed, nothing after it is trusted.
  std::string text;
  EXPECT_EQ(fx.run({}, &text), kReplayDamaged) << text;
  EXPECT_NE(text.find("#1 applied mkdir"), std::string::npos) << text;
  EXPECT_NE(text.find("corrupt after record 1"), std::string::npos) << text;
  EXPECT_NE(text.find("path: \"..\" path component"), std::string::npos) << text;
  EXPECT_FALSE(fs::exists(fx.dir.path() / "escape"));
  EXPECT_FALSE(fs::exists(fx.out / "docs/a"));
}

TEST(Kmlreplay, UpdateOfAnotherVersionIsAConflictWithItsReason) {
  Fixture fx;
  fx.write({rec(Op::create, "f", {}, {4, 1}), rec(Op::close, "f", {9, 9}, {4, 2})});
  std::string text;
  EXPECT_EQ(fx.run({}, &text), kReplayRefused) << text;
  EXPECT_NE(text.find("#2 conflict close \"f\"  (f: changed on both sides"), std::string::npos) << text;
}

TEST(Kmlreplay, ContentComesFromTheWriterOnlyAtTheVersionReplayed) {
  Fixture fx;
  fx.write({rec(Op::create, "same", {}, {4, 1}), rec(Op::close, "same", {4, 1}, {4, 2}),
            rec(Op::create, "moved-on", {}, {4, 3}), rec(Op::close, "moved-on", {4, 3}, {4, 4})});
  const fs::path writer = fx.dir.path() / "writer";
  fs::create_directories(writer);
  std::ofstream(writer / "same") << "right";
  std::ofstream(writer / "moved-on") << "newer";
  ASSERT_EQ(posix::write_version((writer / "same").string(), {4, 2}), 0);
  ASSERT_EQ(posix::write_version((writer / "moved-on").string(), {4, 7}), 0);  // a later version
  std::string text;
  ASSERT_EQ(fx.run({"--data-from", writer.string()}, &text), kReplayClean) << text;
  EXPECT_NE(text.find("content installed for 1 files, missing for 1"), std::string::npos) << text;
  std::ifstream same(fx.out / "same");
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(same), {}), "right");
  EXPECT_TRUE(posix::content_missing((fx.out / "moved-on").string()));
}

}  // namespace
}  // namespace izo::replay
