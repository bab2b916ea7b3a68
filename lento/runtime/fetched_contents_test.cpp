// Fetched contents wait in memory while they are small and the budgets
// (bytes and descriptors) last, in files otherwise; every token opens to its
// content, a whole file holds no descriptor, and discard gives back what it
// held.
#include "runtime/fetched_contents.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "posix/temp_dir.hpp"

namespace izo::lento {
namespace {

std::string read_token(const std::string& token) {
  std::ifstream in(token, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

FetchedContents::Place filled(FetchedContents& c, std::uint64_t id, const std::string& bytes) {
  auto place = c.make(id, bytes.size());
  EXPECT_TRUE(place.ok()) << place.error().message;
  EXPECT_EQ(::write(place->fd, bytes.data(), bytes.size()), static_cast<ssize_t>(bytes.size()));
  return *place;
}

TEST(FetchedContents, SmallContentsWaitInMemoryUntilTheBudgetIsSpent) {
  posix::TempDir dir{"izo-fetched"};
  FetchedContents c(dir.path(), {.memory_file = 10, .memory_total = 16});
  const auto a = filled(c, 1, "ten bytes!");   // at the limit, in memory
  const auto b = filled(c, 2, "eleven byte");  // over the limit: a file
  const auto d = filled(c, 3, "seven b");      // 10 + 7 > 16: a file
  const auto e = filled(c, 4, "six b!");       // 10 + 6 = 16: in memory
  EXPECT_TRUE(a.token.starts_with("/proc/self/fd/")) << a.token;
  EXPECT_EQ(b.token, (dir.path() / "2").string());
  EXPECT_EQ(d.token, (dir.path() / "3").string());
  EXPECT_TRUE(e.token.starts_with("/proc/self/fd/")) << e.token;
  EXPECT_EQ(c.bytes_in_memory(), 16u);
  EXPECT_EQ(read_token(a.token), "ten bytes!");
  EXPECT_EQ(read_token(b.token), "eleven byte");
  EXPECT_EQ(read_token(d.token), "seven b");
  EXPECT_EQ(read_token(e.token), "six b!");
  EXPECT_EQ(c.held(), 4u);
}

TEST(FetchedContents, DiscardGivesBackMemoryAndFilesAndKnowsItsOwnTokensOnly) {
  posix::TempDir dir{"izo-fetched"};
  FetchedContents c(dir.path(), {.memory_file = 10, .memory_total = 10});
  const auto a = filled(c, 1, "in memory");
  const auto b = filled(c, 2, "in a file, this one");
  EXPECT_TRUE(std::filesystem::exists(b.token));
  EXPECT_TRUE(c.discard(a.token));
  EXPECT_EQ(c.bytes_in_memory(), 0u);
  EXPECT_TRUE(c.discard(b.token));
  EXPECT_FALSE(std::filesystem::exists(b.token));
  EXPECT_FALSE(c.discard(b.token)) << "given back once";
  EXPECT_FALSE(c.discard("/etc/passwd"));
  EXPECT_TRUE(std::filesystem::exists("/etc/passwd"));
  EXPECT_EQ(c.held(), 0u);
  const auto again = filled(c, 3, "room again");
  EXPECT_TRUE(again.token.starts_with("/proc/self/fd/")) << "the budget came back";
}

TEST(FetchedContents, PastItsShareOfDescriptorsContentsWaitInFilesThatCloseOnceWhole) {
  posix::TempDir dir{"izo-fetched"};
  FetchedContents c(dir.path(), {.memory_file = 10, .memory_total = 100, .open_files = 2});
  const auto a = filled(c, 1, "alpha");
  const auto b = filled(c, 2, "bravo");
  const auto d = filled(c, 3, "delta");  // two descriptors held: a file
  EXPECT_TRUE(a.token.starts_with("/proc/self/fd/")) << a.token;
  EXPECT_TRUE(b.token.starts_with("/proc/self/fd/")) << b.token;
  EXPECT_EQ(d.token, (dir.path() / "3").string());
  EXPECT_EQ(c.open_files(), 3u) << "the file is open while it is written";
  EXPECT_TRUE(c.seal(d.token));
  EXPECT_TRUE(c.seal(a.token));
  EXPECT_EQ(c.open_files(), 2u) << "a sealed file closes, a memory file is its own content";
  EXPECT_EQ(read_token(a.token), "alpha");
  EXPECT_EQ(read_token(d.token), "delta");
  EXPECT_FALSE(c.seal("/etc/passwd"));
  EXPECT_TRUE(c.discard(d.token));
  EXPECT_FALSE(std::filesystem::exists(d.token));
  EXPECT_TRUE(c.discard(a.token));
  EXPECT_EQ(c.open_files(), 1u);
  const auto e = filled(c, 4, "echo");
  EXPECT_TRUE(e.token.starts_with("/proc/self/fd/")) << "a descriptor came back";
}

TEST(FetchedContents, WhatIsHeldGoesWithIt) {
  posix::TempDir dir{"izo-fetched"};
  std::string file;
  {
    FetchedContents c(dir.path(), {.memory_file = 0, .memory_total = 0});
    file = filled(c, 7, "x").token;
    EXPECT_TRUE(std::filesystem::exists(file));
  }
  EXPECT_FALSE(std::filesystem::exists(file));
}

}  // namespace
}  // namespace izo::lento
