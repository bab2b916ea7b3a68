#include "kml/group_commit.hpp"

#include <gtest/gtest.h>

namespace izo::kml {
namespace {

constexpr std::int64_t ms = 1'000'000;

TEST(GroupCommit, GroupSyncsWhenTheRecordLimitIsReached) {
  GroupCommit gc({SyncPolicy::Mode::group, 3, 1u << 20, 100 * ms}, 10);
  gc.appended(11, 100, 0);
  gc.appended(12, 100, 0);
  EXPECT_FALSE(gc.sync_due(1));
  gc.appended(13, 100, 0);
  EXPECT_TRUE(gc.sync_due(1));
  EXPECT_EQ(gc.durable_recno(), 10u);
  gc.synced();
  EXPECT_EQ(gc.durable_recno(), 13u);
  EXPECT_FALSE(gc.sync_due(1));
}

TEST(GroupCommit, GroupSyncsWhenTheOldestRecordIsTooOld) {
  GroupCommit gc({SyncPolicy::Mode::group, 64, 1u << 20, 5 * ms}, 0);
  gc.appended(1, 10, 100 * ms);
  gc.appended(2, 10, 103 * ms);
  EXPECT_EQ(gc.deadline(), 105 * ms);
  EXPECT_FALSE(gc.sync_due(104 * ms));
  EXPECT_TRUE(gc.sync_due(105 * ms));
}

TEST(GroupCommit, GroupSyncsWhenTheByteLimitIsReached) {
  GroupCommit gc({SyncPolicy::Mode::group, 64, 1000, 5 * ms}, 0);
  gc.appended(1, 600, 0);
  EXPECT_FALSE(gc.sync_due(0));
  gc.appended(2, 600, 0);
  EXPECT_TRUE(gc.sync_due(0));
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
