#include "replica/version_rule.hpp"

#include <gtest/gtest.h>

#include "replica/memory_store.hpp"

namespace izo::replica {
namespace {

using kml::Op;

kml::Record rec(Op op, std::string path, Version old_v, Version new_v) {
  kml::Record r;
  r.op = op;
  r.path = std::move(path);
  r.obj_old = old_v;
  r.obj_new = new_v;
  r.attrs.mode = op == Op::mkdir ? 040755 : 0100644;
  return r;
}

class VersionRule : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(store.apply(rec(Op::mkdir, "d", {}, v1), Origin::local));
    ASSERT_FALSE(store.apply(rec(Op::create, "d/f", {}, v1), Origin::local));
  }
  Verdict verdict(const kml::Record& r, const std::set<Version>& later = {}) {
    return decide(r, store, later).verdict;
  }
  MemoryStore store;
  const Version v1{1, 1}, v2{2, 2}, v3{3, 3};
};

TEST_F(VersionRule, UpdateOfTheVersionTheWriterSawApplies) {
  EXPECT_EQ(verdict(rec(Op::close, "d/f", v1, v2)), Verdict::apply);
}

TEST_F(VersionRule, UpdateAlreadyAppliedIsADuplicate) {
  ASSERT_FALSE(store.apply(rec(Op::close, "d/f", v1, v2), Origin::remote));
  EXPECT_EQ(verdict(rec(Op::close, "d/f", v1, v2)), Verdict::duplicate);
}

TEST_F(VersionRule, UpdateSupersededLaterInTheSameBatchIsADuplicate) {
  ASSERT_FALSE(store.apply(rec(Op::close, "d/f", v1, v2), Origin::remote));
  ASSERT_FALSE(store.apply(rec(Op::close, "d/f", v2, v3), Origin::remote));
  const auto first = rec(Op::close, "d/f", v1, v2);
  EXPECT_EQ(verdict(first, {v3}), Verdict::duplicate);
  EXPECT_EQ(verdict(first), Verdict::conflict);  // without the batch, it is not provable
}

TEST_F(VersionRule, ObjectChangedHereToIsAConflict) {
  const auto d = decide(rec(Op::close, "d/f", Version{9, 9}, v2), store, {});
  EXPECT_EQ(d.verdict, Verdict::conflict);
  EXPECT_EQ(d.path, "d/f");
  EXPECT_NE(d.reason.find("changed on both sides"), std::string::npos);
}

// The in-memory store found "d" empty when a sibling whose name sorts
// between "d" and "d/" ("d.izo-conflict-...", "d-old") existed: a removal of
// a directory holding new entries was applied (and the model and the crash
// sweeps then saw a livelock of refused records).
TEST_F(VersionRule, RemovalOfADirectoryWithEntriesHereIsAConflictWhateverItsSiblingsAreCalled) {
  ASSERT_FALSE(store.apply(rec(Op::mkdir, "d.izo-conflict-x-1", {}, v1), Origin::local));
  ASSERT_FALSE(store.apply(rec(Op::create, "d-old", {}, v1), Origin::local));
  EXPECT_TRUE(store.has_entries("d"));
  EXPECT_FALSE(store.has_entries("d.izo-conflict-x-1"));
  EXPECT_TRUE(store.has_entries(""));
  EXPECT_FALSE(MemoryStore{}.has_entries(""));
  EXPECT_EQ(verdict(rec(Op::rmdir, "d", v1, {})), Verdict::conflict);
}

TEST_F(VersionRule, CreateOfAFreeNameApplies) {
  EXPECT_EQ(verdict(rec(Op::create, "d/g", {}, v2)), Verdict::apply);
}

TEST_F(VersionRule, CreateOfANameTakenHereIsAConflict) {
  EXPECT_EQ(verdict(rec(Op::create, "d/f", {}, v2)), Verdict::conflict);
}

TEST_F(VersionRule, CreateInADirectoryDeletedHereIsAConflictOnTheDirectory) {
  const auto d = decide(rec(Op::create, "gone/x", {}, v2), store, {});
  EXPECT_EQ(d.verdict, Verdict::conflict);
  EXPECT_EQ(d.path, "gone");
}

TEST_F(VersionRule, NewNamesInOneDirectoryFromBothSidesDoNotConflict) {
  ASSERT_FALSE(store.apply(rec(Op::create, "d/mine", {}, v2), Origin::local));
  EXPECT_EQ(verdict(rec(Op::create, "d/theirs", {}, v3)), Verdict::apply);
}

TEST_F(VersionRule, DirectoryCreatedOnBothSidesMerges) {
  EXPECT_EQ(verdict(rec(Op::mkdir, "d", {}, v2)), Verdict::merge);
  EXPECT_EQ(verdict(rec(Op::create, "d", {}, v2)), Verdict::conflict);  // a file on a directory
}

TEST_F(VersionRule, DeleteOfSomethingAlreadyGoneIsADuplicate) {
  EXPECT_EQ(verdict(rec(Op::unlink, "d/nothing", v1, {})), Verdict::duplicate);
}

TEST_F(VersionRule, DeleteOfSomethingChangedHereIsAConflict) {
  ASSERT_FALSE(store.apply(rec(Op::close, "d/f", v1, v2), Origin::local));
  EXPECT_EQ(verdict(rec(Op::unlink, "d/f", v1, {})), Verdict::conflict);
}

TEST_F(VersionRule, RemovingADirectoryThatGotNewEntriesHereIsAConflict) {
  EXPECT_EQ(verdict(rec(Op::rmdir, "d", v1, {})), Verdict::conflict);
}

TEST_F(VersionRule, RenameAppliesAndItsRepeatIsADuplicate) {
  auto r = rec(Op::rename, "d/f", v1, v2);
  r.path2 = "d/g";
  EXPECT_EQ(verdict(r), Verdict::apply);
  ASSERT_FALSE(store.apply(r, Origin::remote));
  EXPECT_EQ(verdict(r), Verdict::duplicate);
}

TEST_F(VersionRule, RenameOntoANameCreatedHereIsAConflict) {
  ASSERT_FALSE(store.apply(rec(Op::create, "d/g", {}, v3), Origin::local));
  auto r = rec(Op::rename, "d/f", v1, v2);
  r.path2 = "d/g";
  EXPECT_EQ(verdict(r), Verdict::conflict);
}

}  // namespace
}  // namespace izo::replica
