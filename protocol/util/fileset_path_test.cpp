#include "util/fileset_path.hpp"

#include <gtest/gtest.h>

#include <string>

namespace izo {
namespace {

bool legal(std::string_view p, bool allow_root = false) {
  return !fileset_path_problem(p, allow_root).has_value();
}

TEST(FilesetPath, PlainRelativePathsAreLegal) {
  EXPECT_TRUE(legal("a"));
  EXPECT_TRUE(legal("a/b/c.txt"));
  EXPECT_TRUE(legal("...")); // a name, not a parent reference
  EXPECT_TRUE(legal("a/.hidden"));
  EXPECT_TRUE(legal("sub/.intermezzo"));  // only the root's one is reserved
}

TEST(FilesetPath, EscapesAreRefused) {
  EXPECT_EQ(*fileset_path_problem("/etc/passwd", false), "absolute path");
  EXPECT_EQ(*fileset_path_problem("../x", false), "\"..\" path component");
  EXPECT_EQ(*fileset_path_problem("a/../../x", false), "\"..\" path component");
  EXPECT_EQ(*fileset_path_problem("a/..", false), "\"..\" path component");
}

TEST(FilesetPath, MetadataFolderIsRefused) {
  EXPECT_FALSE(legal(".intermezzo"));
  EXPECT_FALSE(legal(".intermezzo/fset/kml"));
}

TEST(FilesetPath, MalformedPathsAreRefused) {
  EXPECT_FALSE(legal("a//b"));
  EXPECT_FALSE(legal("a/"));
  EXPECT_FALSE(legal("./a"));
  EXPECT_FALSE(legal(std::string("a\0b", 3)));
  EXPECT_FALSE(legal(std::string(256, 'n')));
  EXPECT_TRUE(legal(std::string(255, 'n')));
  std::string deep;
  while (deep.size() < 4096) deep += "d/";
  deep.pop_back();
  EXPECT_FALSE(legal(deep + "/x"));
}

TEST(FilesetPath, RootOnlyWhereAllowed) {
  EXPECT_FALSE(legal(""));
  EXPECT_TRUE(legal("", true));
}

}  // namespace
}  // namespace izo
