#include "replica/content_needs.hpp"

#include <gtest/gtest.h>

namespace izo::replica {
namespace {

using kml::Op;

kml::Record rec(Op op, std::string path, std::uint64_t seq, std::string path2 = {}) {
  kml::Record r;
  r.op = op;
  r.path = std::move(path);
  r.path2 = std::move(path2);
  r.obj_new = {7, seq};
  return r;
}

TEST(ContentNeeds, AClosedFileNeedsItsContentAtItsClose) {
  const std::vector<kml::Record> b{rec(Op::create, "f", 1), rec(Op::close, "f", 2)};
  const auto n = content_needs(b);
  ASSERT_EQ(n.size(), 1u);
  EXPECT_EQ(n[0].first_close, 1u);
  EXPECT_EQ(n[0].last, 1u);
  EXPECT_EQ(n[0].path, "f");
  EXPECT_EQ(n[0].version, (Version{7, 2}));
}

TEST(ContentNeeds, ASecondCloseSupersedesTheFirstButTheStopStaysBeforeTheFirst) {
  const std::vector<kml::Record> b{rec(Op::close, "f", 2), rec(Op::close, "g", 3), rec(Op::close, "f", 4)};
  const auto n = content_needs(b);
  ASSERT_EQ(n.size(), 2u);
  EXPECT_EQ(n[0].path, "f");
  EXPECT_EQ(n[0].first_close, 0u);
  EXPECT_EQ(n[0].last, 2u);
  EXPECT_EQ(n[0].version, (Version{7, 4}));
  EXPECT_EQ(n[1].path, "g");
}

TEST(ContentNeeds, ARemovedFileNeedsNothing) {
  const std::vector<kml::Record> b{rec(Op::close, "f", 2), rec(Op::unlink, "f", 3)};
  EXPECT_TRUE(content_needs(b).empty());
}

TEST(ContentNeeds, ARenamedFileIsAskedForUnderItsNewNameAndVersion) {
  const std::vector<kml::Record> b{rec(Op::close, "f", 2), rec(Op::rename, "f", 3, "g"),
                                   rec(Op::setattr, "g", 4)};
  const auto n = content_needs(b);
  ASSERT_EQ(n.size(), 1u);
  EXPECT_EQ(n[0].path, "g");
  EXPECT_EQ(n[0].version, (Version{7, 4}));
  EXPECT_EQ(n[0].first_close, 0u);
  EXPECT_EQ(n[0].last, 2u);
}

TEST(ContentNeeds, AFileInARenamedDirectoryMovesWithIt) {
  const std::vector<kml::Record> b{rec(Op::close, "d/f", 2), rec(Op::rename, "d", 3, "e")};
  const auto n = content_needs(b);
  ASSERT_EQ(n.size(), 1u);
  EXPECT_EQ(n[0].path, "e/f");
  // The directory's rename is not the file's version.
  EXPECT_EQ(n[0].version, (Version{7, 2}));
  EXPECT_EQ(n[0].last, 0u);
}

TEST(ContentNeeds, AFileRenamedOverIsGone) {
  const std::vector<kml::Record> b{rec(Op::close, "f", 2), rec(Op::close, "g", 3), rec(Op::rename, "g", 4, "f")};
  const auto n = content_needs(b);
  ASSERT_EQ(n.size(), 1u);
  EXPECT_EQ(n[0].path, "f");
  EXPECT_EQ(n[0].first_close, 1u);
  EXPECT_EQ(n[0].version, (Version{7, 4}));
}

TEST(ContentNeeds, AHardLinkKeepsTheFileWhenTheFirstNameGoes) {
  const std::vector<kml::Record> b{rec(Op::close, "f", 2), rec(Op::link, "f", 3, "h"), rec(Op::unlink, "f", 4)};
  const auto n = content_needs(b);
  ASSERT_EQ(n.size(), 1u);
  EXPECT_EQ(n[0].path, "h");
  EXPECT_EQ(n[0].version, (Version{7, 3}));
}

kml::Record close_at_size(std::string path, std::uint64_t seq, std::uint64_t size) {
  auto r = rec(Op::close, std::move(path), seq);
  r.attrs.valid = IZO_ATTR_SIZE | IZO_ATTR_MTIME;
  r.attrs.size = size;
  return r;
}

TEST(ContentNeeds, AFileClosedEmptyNeedsNothing) {
  const std::vector<kml::Record> b{rec(Op::create, "f", 1), close_at_size("f", 2, 0)};
  EXPECT_TRUE(content_needs(b).empty());
}

TEST(ContentNeeds, EmptyingAFileUnderAnyNameDropsWhatTheBatchWroteBeforeButNotAfter) {
  const std::vector<kml::Record> b{close_at_size("f", 2, 5), rec(Op::link, "f", 3, "h"), close_at_size("h", 4, 0),
                                   rec(Op::setattr, "f", 5), close_at_size("f", 6, 3)};
  const auto n = content_needs(b);
  ASSERT_EQ(n.size(), 1u);
  EXPECT_EQ(n[0].path, "f");
  EXPECT_EQ(n[0].first_close, 4u);
  EXPECT_EQ(n[0].version, (Version{7, 6}));
}

TEST(ContentNeeds, RecordsBeforeTheStartAreNotLookedAt) {
  const std::vector<kml::Record> b{rec(Op::close, "f", 2), rec(Op::close, "g", 3)};
  const auto n = content_needs(b, 1);
  ASSERT_EQ(n.size(), 1u);
  EXPECT_EQ(n[0].path, "g");
}

}  // namespace
}  // namespace izo::replica
