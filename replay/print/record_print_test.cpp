#include "print/record_print.hpp"

#include <gtest/gtest.h>

namespace izo::replay {
namespace {

TEST(RecordPrint, HostilePathCannotBreakTheLine) {
  EXPECT_EQ(c_quoted("a\nb\"c\\\x1b[2J"), "\"a\\x0ab\\\"c\\\\\\x1b[2J\"");
}

TEST(RecordPrint, TimesAreIsoUtcWithNanoseconds) {
  EXPECT_EQ(iso_time(0), "1970-01-01T00:00:00.000000000Z");
  EXPECT_EQ(iso_time(1'700'000'000'123'456'789), "2023-11-14T22:13:20.123456789Z");
  EXPECT_EQ(iso_time(-1), "1969-12-31T23:59:59.999999999Z");
}

}  // namespace
}  // namespace izo::replay
