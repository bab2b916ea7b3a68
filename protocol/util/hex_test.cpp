// Hex for JSON: every byte round-trips, and bad digits are refused with where.
#include "util/hex.hpp"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

namespace izo {
namespace {

RC_GTEST_PROP(Hex, AnyBytesRoundTrip, (std::vector<std::uint8_t> bytes)) {
  const auto text = to_hex(bytes);
  RC_ASSERT(text.size() == 2 * bytes.size());
  auto back = from_hex(text);
  RC_ASSERT(back.ok());
  RC_ASSERT(*back == bytes);
}

TEST(Hex, BadDigitsAndOddCountsAreRefused) {
  EXPECT_EQ(to_hex(std::string_view("\x01\xab", 2)), "01ab");
  auto odd = from_hex("abc");
  ASSERT_FALSE(odd.ok());
  EXPECT_EQ(odd.error().message, "odd number of hex digits");
  auto bad = from_hex("00zz");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message, "not a hex digit at 2");
  EXPECT_FALSE(from_hex("AB").ok());  // lowercase only, as written
}

}  // namespace
}  // namespace izo
