#include "posix/kml_file.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "kml/examples.hpp"
#include "posix/temp_dir.hpp"

namespace izo::posix {
namespace {

using kml::SyncPolicy;

std::vector<std::uint64_t> recnos_in(const std::filesystem::path& p, kml::ScanReport* rep = nullptr) {
  auto m = MappedFile::open(p);
  EXPECT_TRUE(m.ok());
  std::vector<std::uint64_t> out;
  auto r = kml::scan_forward(m->bytes(), [&](const kml::Frame& f) {
    out.push_back(f.recno);
    return true;
  });
  if (rep) *rep = r;
  return out;
}

void append_examples(KmlFile& f, std::size_t n) {
  for (const auto& r : kml::example_workload(n)) f.append(r);
}

TEST(KmlFile, AppendedRecordsSurviveReopenAndNumberingContinues) {
  TempDir dir;
  const auto path = dir.path() / "kml";
  {
    auto f = KmlFile::open(path);
    ASSERT_TRUE(f.ok()) << f.error().message;
    append_examples(*f, 5);
    EXPECT_EQ(f->last_recno(), 5u);
  }
  auto f = KmlFile::open(path);
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->last_recno(), 5u);
  EXPECT_EQ(f->durable_recno(), 5u);  // synced on open
  EXPECT_EQ(f->append(kml::example_records()[1]), 6u);
  f->sync();
  EXPECT_EQ(recnos_in(path), (std::vector<std::uint64_t>{1, 2, 3, 4, 5, 6}));
}

TEST(KmlFile, TornTailIsCutOnOpenAndAppendsContinueAfterIt) {
  TempDir dir;
  const auto path = dir.path() / "kml";
  std::uintmax_t whole = 0;
  {
    auto f = KmlFile::open(path);
    append_examples(*f, 4);
    f->sync();
    whole = std::filesystem::file_size(path);
    append_examples(*f, 1);
  }
  std::filesystem::resize_file(path, whole + 50);  // half of record 5 reached the disk
  KmlOpenReport rep;
  auto f = KmlFile::open(path, {}, &rep);
  ASSERT_TRUE(f.ok()) << f.error().message;
  EXPECT_EQ(rep.scan.tail, kml::Tail::torn);
  EXPECT_EQ(rep.cut_bytes, 50u);
  EXPECT_EQ(std::filesystem::file_size(path), whole);
  EXPECT_EQ(f->append(kml::example_records()[2]), 5u);
  f->sync();
  kml::ScanReport after;
  EXPECT_EQ(recnos_in(path, &after).size(), 5u);
  EXPECT_EQ(after.tail, kml::Tail::clean);
}

TEST(KmlFile, ZeroFilledTailIsCutOnOpen) {
  TempDir dir;
  const auto path = dir.path() / "kml";
  {
    auto f = KmlFile::open(path);
    append_examples(*f, 3);
  }
  const auto whole = std::filesystem::file_size(path);
  std::filesystem::resize_file(path, whole + 4096);
  KmlOpenReport rep;
  ASSERT_TRUE(KmlFile::open(path, {}, &rep).ok());
  EXPECT_TRUE(rep.scan.zero_filled);
  EXPECT_EQ(std::filesystem::file_size(path), whole);
}

TEST(KmlFile, CorruptLogIsRefusedWithTheOffsetAndLeftUntouched) {
  TempDir dir;
  const auto path = dir.path() / "kml";
  {
    auto f = KmlFile::open(path);
    append_examples(*f, 6);
  }
  const auto size = std::filesystem::file_size(path);
  {
    std::fstream io(path, std::ios::in | std::ios::out | std::ios::binary);
    io.seekp(300);  // inside record 2
    io.put('\x7f');
  }
  auto f = KmlFile::open(path);
  ASSERT_FALSE(f.ok());
  EXPECT_NE(f.error().message.find("corrupt at offset"), std::string::npos) << f.error().message;
  EXPECT_NE(f.error().message.find("not a torn append"), std::string::npos);
  EXPECT_EQ(std::filesystem::file_size(path), size);
}

TEST(KmlFile, FileThatIsNotAKmlIsRefused) {
  TempDir dir;
  const auto path = dir.path() / "notes.txt";
  std::ofstream(path) << "shopping list: eggs, milk, bread, and a long enough line\n";
  auto f = KmlFile::open(path);
  ASSERT_FALSE(f.ok());
  EXPECT_NE(f.error().message.find("not a KML file"), std::string::npos) << f.error().message;
}

TEST(KmlFile, SecondWriterIsRefusedWhileTheFirstHoldsTheLock) {
  TempDir dir;
  const auto path = dir.path() / "kml";
  auto first = KmlFile::open(path);
  ASSERT_TRUE(first.ok());
  auto second = KmlFile::open(path);
  ASSERT_FALSE(second.ok());
  EXPECT_NE(second.error().message.find("in use by another process"), std::string::npos);
}

TEST(KmlFile, GroupCommitMakesRecordsDurableInGroups) {
  TempDir dir;
  KmlFileOptions opt;
  opt.sync = {SyncPolicy::Mode::group, 3, 1u << 20, 60'000'000'000};
  auto f = KmlFile::open(dir.path() / "kml", opt);
  ASSERT_TRUE(f.ok());
  append_examples(*f, 2);
  EXPECT_EQ(f->durable_recno(), 0u);
  EXPECT_TRUE(f->deadline().has_value());
  f->append(kml::example_records()[0]);
  EXPECT_EQ(f->durable_recno(), 3u);
  EXPECT_FALSE(f->deadline().has_value());
}

TEST(KmlFile, AlwaysMakesEveryRecordDurable) {
  TempDir dir;
  KmlFileOptions opt;
  opt.sync.mode = SyncPolicy::Mode::always;
  auto f = KmlFile::open(dir.path() / "kml", opt);
  f->append(kml::example_records()[1]);
  EXPECT_EQ(f->durable_recno(), 1u);
}

TEST(KmlFile, OffLeavesDurabilityToExplicitSync) {
  TempDir dir;
  KmlFileOptions opt;
  opt.sync.mode = SyncPolicy::Mode::off;
  auto f = KmlFile::open(dir.path() / "kml", opt);
  append_examples(*f, 100);
  f->tick();
  EXPECT_EQ(f->durable_recno(), 0u);
  f->sync();
  EXPECT_EQ(f->durable_recno(), 100u);
}

TEST(KmlFile, BufferedRecordsReachTheFileOnFlush) {
  TempDir dir;
  const auto path = dir.path() / "kml";
  KmlFileOptions opt;
  opt.sync.mode = SyncPolicy::Mode::off;
  opt.buffer_bytes = 1u << 20;
  auto f = KmlFile::open(path, opt);
  append_examples(*f, 10);
  EXPECT_EQ(std::filesystem::file_size(path), 0u);
  f->flush();
  EXPECT_EQ(recnos_in(path).size(), 10u);
}

TEST(KmlFile, InvalidRecordIsRefusedAndNothingIsWritten) {
  TempDir dir;
  const auto path = dir.path() / "kml";
  auto f = KmlFile::open(path);
  auto r = kml::example_records()[1];
  r.path = "/etc/passwd";
  EXPECT_THROW(f->append(r), std::invalid_argument);
  EXPECT_EQ(f->last_recno(), 0u);
  EXPECT_EQ(std::filesystem::file_size(path), 0u);
}

}  // namespace
}  // namespace izo::posix
