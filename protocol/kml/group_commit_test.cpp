#include "kml/group_commit.hpp"

#include <gtest/gtest.h>

namespace izo::kml {
namespace {

constexpr std::int64_t ms = 1'000'000;

TEST(GroupCommit, GroupSyncsWhenTheRecordLimitIsReached) {
  GroupCommit gc({SyncPolicy::Mode::group, 3, 1u << 20, 100 * ms}, 10);
  gc.appended(11, 100, 0);
  gc.appended(12, 100, 0);
  EXPECT_FALSE(gc.over_limits());
  gc.appended(13, 100, 0);
  EXPECT_TRUE(gc.over_limits());
  EXPECT_EQ(gc.durable_recno(), 10u);
  gc.synced(1);
  EXPECT_EQ(gc.durable_recno(), 13u);
  EXPECT_FALSE(gc.over_limits());
  EXPECT_FALSE(gc.sync_due(1));
}

// An idle journal adds no latency: its first record is due at once.
TEST(GroupCommit, IdleJournalSyncsItsFirstRecordAtOnce) {
  GroupCommit gc({SyncPolicy::Mode::group, 64, 1u << 20, 5 * ms}, 0);
  gc.appended(1, 10, 100 * ms);
  EXPECT_FALSE(gc.over_limits()) << "the appender does not wait for it";
  EXPECT_EQ(gc.deadline(), 100 * ms);
  EXPECT_TRUE(gc.sync_due(100 * ms));
  gc.synced(100 * ms);
  gc.appended(2, 10, 200 * ms);  // long after that sync: idle again
  EXPECT_EQ(gc.deadline(), 200 * ms);
}

// Under a stream of records, syncs start at most every max_delay, and no
// record waits longer than that.
TEST(GroupCommit, RecordsSoonAfterASyncWaitForTheDelayAndGoTogether) {
  GroupCommit gc({SyncPolicy::Mode::group, 64, 1u << 20, 5 * ms}, 0);
  for (std::uint64_t r = 1; r <= 5; ++r) gc.appended(r, 10, 100 * ms);
  gc.synced(100 * ms);  // five records: a stream
  gc.appended(6, 10, 101 * ms);
  gc.appended(7, 10, 103 * ms);
  EXPECT_EQ(gc.deadline(), 105 * ms);
  EXPECT_FALSE(gc.sync_due(104 * ms));
  EXPECT_TRUE(gc.sync_due(105 * ms));
}

// A quiet journal (its last sync covered a record or two) does not make the
// next record wait for a stream's pace: `echo x > f` on an existing file
// journals an emptying close, then the close of what was written, about a
// millisecond later.
TEST(GroupCommit, AQuietJournalSyncsItsNextRecordSoon) {
  GroupCommit gc({SyncPolicy::Mode::group, 64, 1u << 20, 5 * ms}, 0);
  gc.appended(1, 10, 100 * ms);
  EXPECT_EQ(gc.sync_started(100 * ms), 1u);
  gc.appended(2, 10, 100 * ms + ms / 4);  // while that sync runs
  gc.synced_through(1);
  EXPECT_EQ(gc.deadline(), 100 * ms + ms / 2) << "half a millisecond after the last start";
  gc.sync_started(100 * ms + ms / 2);
  gc.synced_through(2);
  gc.appended(3, 10, 101 * ms + ms / 4);
  EXPECT_EQ(gc.deadline(), 105 * ms + ms / 2) << "one early sync per 5 ms: a slow stream keeps the stream's pace";
  gc.synced(105 * ms + ms / 2);
  gc.appended(4, 10, 106 * ms);
  EXPECT_EQ(gc.deadline(), 106 * ms) << "that sync was not early: the next may be";
}

// A sync that runs while records go on being appended covers those it
// started with; the others are pending when it ends, with their own age
// and size.
TEST(GroupCommit, RecordsAppendedDuringASyncWaitForTheNextOne) {
  GroupCommit gc({SyncPolicy::Mode::group, 64, 100, 5 * ms, 1}, 0);  // two records a sync: a stream
  gc.appended(1, 60, 10 * ms);
  gc.appended(2, 30, 10 * ms);
  EXPECT_EQ(gc.sync_started(10 * ms), 2u);
  EXPECT_FALSE(gc.deadline().has_value()) << "one sync at a time";
  gc.appended(3, 20, 12 * ms);
  EXPECT_TRUE(gc.over_limits()) << "110 bytes unsynced while it runs";
  gc.synced_through(2);
  EXPECT_EQ(gc.durable_recno(), 2u);
  EXPECT_TRUE(gc.pending());
  EXPECT_FALSE(gc.over_limits()) << "20 bytes left";
  EXPECT_EQ(gc.deadline(), 15 * ms);
}

TEST(GroupCommit, AnExplicitSyncThatGotFurtherIsNotUndone) {
  GroupCommit gc({SyncPolicy::Mode::group, 64, 1u << 20, 5 * ms}, 0);
  gc.appended(1, 10, 0);
  EXPECT_EQ(gc.sync_started(0), 1u);
  gc.appended(2, 10, 1 * ms);
  gc.synced(2 * ms);  // fsync through the mount, meanwhile
  gc.synced_through(1);
  EXPECT_EQ(gc.durable_recno(), 2u);
  EXPECT_FALSE(gc.pending());
  EXPECT_FALSE(gc.deadline().has_value());
}

TEST(GroupCommit, GroupSyncsWhenTheByteLimitIsReached) {
  GroupCommit gc({SyncPolicy::Mode::group, 64, 1000, 5 * ms}, 0);
  gc.appended(1, 600, 0);
  EXPECT_FALSE(gc.over_limits());
  gc.appended(2, 600, 0);
  EXPECT_TRUE(gc.over_limits());
}

TEST(GroupCommit, AlwaysSyncsEveryRecord) {
  GroupCommit gc({SyncPolicy::Mode::always}, 0);
  EXPECT_FALSE(gc.sync_due(0));
  gc.appended(1, 10, 0);
  EXPECT_TRUE(gc.sync_due(0));
}

TEST(GroupCommit, OffNeverSyncsAndDurableStaysPut) {
  GroupCommit gc({SyncPolicy::Mode::off}, 4);
  for (std::uint64_t r = 5; r < 500; ++r) gc.appended(r, 1u << 20, static_cast<std::int64_t>(r) * ms);
  EXPECT_FALSE(gc.sync_due(1'000'000 * ms));
  EXPECT_FALSE(gc.deadline().has_value());
  EXPECT_EQ(gc.durable_recno(), 4u);
  EXPECT_EQ(gc.appended_recno(), 499u);
}

TEST(GroupCommit, OutOfOrderAppendIsAProgrammingError) {
  GroupCommit gc({}, 0);
  gc.appended(1, 1, 0);
  EXPECT_THROW(gc.appended(3, 1, 0), std::logic_error);
}

TEST(GroupCommit, ModeNamesRoundTrip) {
  for (auto m : {SyncPolicy::Mode::off, SyncPolicy::Mode::always, SyncPolicy::Mode::group})
    EXPECT_EQ(sync_mode_from_name(sync_mode_name(m)), m);
  EXPECT_FALSE(sync_mode_from_name("sometimes").has_value());
}

}  // namespace
}  // namespace izo::kml
