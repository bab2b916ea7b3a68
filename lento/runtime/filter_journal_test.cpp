// FilterJournal against a real presto-fuse filter: appends are pipelined
// (several JOURNAL requests in flight), yet every later call of the port sees
// them, and the filter journals every record lento sent even if lento dies
// before reading a single answer. Needs root and /dev/fuse, else skipped.
#include "runtime/filter_journal.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include "mount_fixture.hpp"

namespace izo::lento {
namespace {

using presto::testing::fuse_unavailable;
using presto::testing::Mount;

#define REQUIRE_FUSE() \
  if (auto why = fuse_unavailable()) GTEST_SKIP() << *why;

constexpr replica::HostId kPeer = 77;

// The peer's record number `n`: a mkdir of its own folder.
kml::Record peer_record(std::uint64_t n) {
  kml::Record r;
  r.op = kml::Op::mkdir;
  r.path = "from-peer-" + std::to_string(n);
  r.attrs.mode = 040755;
  r.origin = kPeer;
  r.origin_recno = n;
  r.obj_new = Version{kPeer, n};
  return r;
}

struct Attached {
  boost::asio::io_context io;
  std::unique_ptr<PrestoLink> link;
  std::unique_ptr<FilterJournal> journal;
  explicit Attached(const Mount& m) {
    auto l = PrestoLink::attach(io, m.socket(), "shared");
    if (!l) throw std::runtime_error(l.error().message);
    link = std::move(*l);
    auto j = FilterJournal::open(m.kml(), *link, link->attached_recno());
    if (!j) throw std::runtime_error(j.error().message);
    journal = std::move(*j);
  }
};

TEST(FilterJournal, PipelinedAppendsAreSeenByEveryLaterCallInOrder) {
  REQUIRE_FUSE();
  Mount m({}, true);
  Attached a(m);
  constexpr std::uint64_t n = 3 * FilterJournal::kInFlight + 5;
  for (std::uint64_t i = 1; i <= n; ++i) {
    a.journal->append(peer_record(i));
    EXPECT_LE(a.journal->in_flight(), FilterJournal::kInFlight);
    // The version rule asks this after every record: answered without waiting.
    EXPECT_EQ(a.journal->last_from(kPeer), i);
  }
  EXPECT_GT(a.journal->in_flight(), 0u) << "appends are not pipelined";
  EXPECT_EQ(a.journal->last_recno(), n);
  EXPECT_EQ(a.journal->in_flight(), 0u);
  a.journal->sync();
  EXPECT_EQ(a.journal->durable_recno(), n);
  const auto read = a.journal->read(1, 2 * n);
  ASSERT_EQ(read.size(), n);
  for (std::uint64_t i = 1; i <= n; ++i) {
    EXPECT_EQ(read[i - 1].recno, i);
    EXPECT_EQ(read[i - 1].origin_recno, i);
    EXPECT_EQ(read[i - 1].path, "from-peer-" + std::to_string(i));
  }
  // A read from the middle, bounded by max, in one piece.
  const auto some = a.journal->read(n - 3, 2);
  ASSERT_EQ(some.size(), 2u);
  EXPECT_EQ(some[0].recno, n - 3);
  EXPECT_EQ(some[1].recno, n - 2);
  EXPECT_TRUE(a.journal->read(n + 1, 10).empty());
}

TEST(FilterJournal, EveryRecordSentIsJournaledThoughLentoDiesBeforeTheAnswers) {
  REQUIRE_FUSE();
  Mount m({}, true);
  constexpr std::uint64_t n = FilterJournal::kInFlight - 1;
  {
    Attached a(m);
    for (std::uint64_t i = 1; i <= n; ++i) a.journal->append(peer_record(i));
    ASSERT_EQ(a.journal->in_flight(), n);
    // Lento goes: its end of the channel closes with every answer unread.
    a.journal.reset();
    a.link.reset();
  }
  ASSERT_EQ(m.stop(), 0) << m.log();
  const auto kml = m.records();
  ASSERT_EQ(kml.size(), n) << m.log();
  for (std::uint64_t i = 1; i <= n; ++i) EXPECT_EQ(kml[i - 1].origin_recno, i);
}

}  // namespace
}  // namespace izo::lento
