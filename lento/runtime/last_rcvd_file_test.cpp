// last_rcvd on disk: what persist() wrote is what open() reads, an empty file
// is a fresh fileset, and a damaged file is refused with the reason.
#include "runtime/last_rcvd_file.hpp"

#include <gtest/gtest.h>

#include <fstream>

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

}  // namespace
}  // namespace izo::lento
