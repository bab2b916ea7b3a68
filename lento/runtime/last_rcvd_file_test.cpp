// last_rcvd on disk: what persist() wrote is what open() reads, an empty file
// is a fresh fileset, a persist overwrites one of two slots in place, a torn
// slot leaves the state before it, and a damaged file is refused with the
// reason.
#include "runtime/last_rcvd_file.hpp"

#include <gtest/gtest.h>

#include <sys/stat.h>

#include <fstream>
#include <optional>
#include <sstream>

#include "kml/examples.hpp"
#include "posix/temp_dir.hpp"

namespace izo::lento {
namespace {

replica::LastRcvdState sample() {
  replica::LastRcvdState s;
  s.peers[7] = replica::PeerCounters{12, 40};
  s.peers[0xfedcba9876543210ull] = replica::PeerCounters{1, 0};
  s.store_synced_through = 39;
  s.superseded = {3, 5};
  s.next_conflict_id = 4;
  auto records = kml::example_records();
  for (auto& r : records) r.recno = 1;
  s.quarantined.push_back(replica::HeldConflict{3, "docs/a.txt", {records[1], records[5]}});
  s.awaiting_copy.push_back(
      replica::AwaitedCopy{2, "docs/c.txt", Version{7, 30}, "docs/c.txt.izo-conflict-server-30", Version{9, 38}});
  s.described = {{"docs/b.txt", 0}, {"moved here", 41}};
  s.resolved.push_back(replica::ConflictInfo{1, "docs/d.txt", "changed on both sides", Version{9, 20}, Version{7, 22},
                                             "resolved", fsm::Winner::server, {"docs/d.txt.izo-conflict-c-20"}});
  s.resolved.push_back(replica::ConflictInfo{2, "e", "deleted there, changed here", Version{9, 25}, Version{},
                                             "resolved", fsm::Winner::client, {}});
  return s;
}

TEST(LastRcvdFile, WhatPersistWroteIsWhatOpenReads) {
  posix::TempDir dir{"izo-last-rcvd"};
  const auto path = dir.path() / "last_rcvd";
  {
    auto f = LastRcvdFile::open(path);
    ASSERT_TRUE(f.ok()) << f.error().message;
    EXPECT_EQ((*f)->load(), replica::LastRcvdState{});
    (*f)->persist(sample());
  }
  auto again = LastRcvdFile::open(path);
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ((*again)->load(), sample());
  EXPECT_FALSE(std::filesystem::exists(path.string() + ".new"));
}

TEST(LastRcvdFile, EmptyFileFromMkizofsIsAFreshFileset) {
  posix::TempDir dir{"izo-last-rcvd"};
  std::ofstream(dir.path() / "last_rcvd").flush();
  auto f = LastRcvdFile::open(dir.path() / "last_rcvd");
  ASSERT_TRUE(f.ok()) << f.error().message;
  EXPECT_EQ((*f)->load(), replica::LastRcvdState{});
}

TEST(LastRcvdFile, DamagedFileIsRefusedWithTheReason) {
  posix::TempDir dir{"izo-last-rcvd"};
  const auto path = dir.path() / "last_rcvd";
  auto text = LastRcvdFile::to_json(sample());
  std::ofstream(path) << text.substr(0, text.size() / 2);
  auto f = LastRcvdFile::open(path);
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.error().message.rfind(path.string() + ": ", 0), 0u) << f.error().message;
  const auto held = text.find("\"remote\": [", text.find("\"quarantined\""));
  const auto first_hex = text.find('"', held + 12) + 1;
  const auto bad_record = text.replace(first_hex, 4, "zzzz");
  std::ofstream(path, std::ios::trunc) << bad_record;
  f = LastRcvdFile::open(path);
  ASSERT_FALSE(f.ok());
  EXPECT_NE(f.error().message.find("conflict 3"), std::string::npos) << f.error().message;
}

replica::LastRcvdState counters(std::uint64_t next) {
  replica::LastRcvdState s;
  s.peers[7] = replica::PeerCounters{next, next - 1};
  s.store_synced_through = next;
  return s;
}

ino_t inode_of(const std::filesystem::path& p) {
  struct stat st {};
  EXPECT_EQ(::stat(p.c_str(), &st), 0);
  return st.st_ino;
}

std::string bytes_of(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void flip_byte(const std::filesystem::path& p, std::size_t at) {
  auto b = bytes_of(p);
  b[at] = static_cast<char>(b[at] ^ 0x5a);
  std::ofstream(p, std::ios::binary | std::ios::trunc) << b;
}

// The file at `path`, opened; null (and a failure) if it does not open.
std::unique_ptr<LastRcvdFile> opened(const std::filesystem::path& path) {
  auto f = LastRcvdFile::open(path);
  EXPECT_TRUE(f.ok()) << f.error().message;
  return f.ok() ? std::move(*f) : nullptr;
}

// The state a restart reads from the file (none if it cannot be opened).
std::optional<replica::LastRcvdState> state_after_restart(const std::filesystem::path& path) {
  auto f = opened(path);
  if (!f) return std::nullopt;
  return f->load();
}

TEST(LastRcvdFile, PersistOverwritesASlotInPlaceWithoutANewFile) {
  posix::TempDir dir{"izo-last-rcvd"};
  const auto path = dir.path() / "last_rcvd";
  auto f = opened(path);
  ASSERT_TRUE(f);
  f->persist(counters(2));  // the first persist makes the slots
  const auto inode = inode_of(path);
  const auto size = std::filesystem::file_size(path);
  EXPECT_EQ(size, 8192u) << "two slots of 4 KiB";
  for (std::uint64_t n = 3; n < 10; ++n) f->persist(counters(n));
  EXPECT_EQ(inode_of(path), inode) << "written in place, not replaced by rename";
  EXPECT_EQ(std::filesystem::file_size(path), size);
  f.reset();
  EXPECT_EQ(state_after_restart(path), counters(9));
}

TEST(LastRcvdFile, ATornSlotLeavesTheStateBeforeIt) {
  posix::TempDir dir{"izo-last-rcvd"};
  const auto path = dir.path() / "last_rcvd";
  {
    auto f = opened(path);
    ASSERT_TRUE(f);
    f->persist(counters(2));  // slot 1 (sequence 1)
    f->persist(counters(3));  // slot 0 (sequence 2)
  }
  flip_byte(path, 40);  // inside slot 0's JSON: a write the crash tore
  auto f = opened(path);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->load(), counters(2));
  f->persist(counters(4));  // goes where the torn one was, not over the good one
  f.reset();
  EXPECT_EQ(state_after_restart(path), counters(4));

  flip_byte(path, 40);
  flip_byte(path, 4096 + 40);
  auto broken = LastRcvdFile::open(path);
  ASSERT_FALSE(broken.ok());
  EXPECT_NE(broken.error().message.find("neither of its two copies is whole"), std::string::npos)
      << broken.error().message;
}

TEST(LastRcvdFile, AStateOutgrowingItsSlotIsRewrittenBigger) {
  posix::TempDir dir{"izo-last-rcvd"};
  const auto path = dir.path() / "last_rcvd";
  auto f = opened(path);
  ASSERT_TRUE(f);
  f->persist(counters(2));
  auto big = sample();
  for (int i = 0; i < 400; ++i) big.described["a rather long path name number " + std::to_string(i)] = 1;
  f->persist(big);
  EXPECT_GT(std::filesystem::file_size(path), 8192u);
  EXPECT_EQ(std::filesystem::file_size(path) % 8192, 0u);
  f->persist(counters(5));
  f.reset();
  EXPECT_EQ(state_after_restart(path), counters(5));
  EXPECT_FALSE(std::filesystem::exists(path.string() + ".new"));
}

TEST(LastRcvdFile, TheOlderWholeJsonFormIsReadAndReplacedAtTheFirstPersist) {
  posix::TempDir dir{"izo-last-rcvd"};
  const auto path = dir.path() / "last_rcvd";
  std::ofstream(path) << LastRcvdFile::to_json(sample());
  auto f = opened(path);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->load(), sample());
  f->persist(counters(8));
  EXPECT_EQ(bytes_of(path).substr(4096, 8), "IZLRSLOT") << "sequence 1, in slot 1";
  f.reset();
  EXPECT_EQ(state_after_restart(path), counters(8));
}

TEST(LastRcvdFile, ASlottedFileOfTheWrongSizeIsRefused) {
  posix::TempDir dir{"izo-last-rcvd"};
  const auto path = dir.path() / "last_rcvd";
  {
    auto f = opened(path);
    ASSERT_TRUE(f);
    f->persist(counters(2));
  }
  std::filesystem::resize_file(path, 5000);
  auto f = LastRcvdFile::open(path);
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.error().message, path.string() + ": a size of 5000 bytes is not two slots");
}

}  // namespace
}  // namespace izo::lento
