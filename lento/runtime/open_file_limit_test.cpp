// lento raises its soft limit on open files to the hard one, and each
// fileset's share for waiting contents is a quarter of the limit, split
// between the filesets, never under 16.
#include "runtime/open_file_limit.hpp"

#include <gtest/gtest.h>
#include <sys/resource.h>

namespace izo::lento {
namespace {

TEST(OpenFileLimit, TheSoftLimitIsRaisedToTheHardOne) {
  rlimit before{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &before), 0);
  if (before.rlim_max > 64) {
    rlimit lowered = before;
    lowered.rlim_cur = 64;
    ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &lowered), 0);
  }
  const auto got = raise_open_file_limit();
  rlimit after{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &after), 0);
  EXPECT_EQ(after.rlim_cur, before.rlim_max);
  if (after.rlim_cur != RLIM_INFINITY) {
    EXPECT_EQ(got, after.rlim_cur);
  }
}

TEST(OpenFileLimit, EachFilesetGetsAShareOfAQuarterAndNeverUnderSixteen) {
  EXPECT_EQ(content_files_per_fileset(1024, 1), 256u);
  EXPECT_EQ(content_files_per_fileset(1024, 2), 128u);
  EXPECT_EQ(content_files_per_fileset(40, 1), 16u);
  EXPECT_EQ(content_files_per_fileset(1024, 0), 256u) << "no fileset counts as one";
}

}  // namespace
}  // namespace izo::lento
