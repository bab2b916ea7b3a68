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

// A record read from a file tells where it lies; one held in memory (the
// simulator's journals) does not, and is otherwise printed alike.
TEST(RecordPrint, OffsetFollowsTheRecordNumberOnlyWhenGiven) {
  kml::Record r;
  r.recno = 12;
  r.op = kml::Op::unlink;
  r.path = "a/b";
  const auto in_file = record_text(r, 2048);
  const auto in_memory = record_text(r);
  EXPECT_EQ(in_file.rfind("#12 @2048 unlink path=\"a/b\"", 0), 0u) << in_file;
  EXPECT_EQ(in_memory.rfind("#12 unlink path=\"a/b\"", 0), 0u) << in_memory;
  EXPECT_EQ(in_memory.find('@'), std::string::npos) << in_memory;
}

}  // namespace
}  // namespace izo::replay
