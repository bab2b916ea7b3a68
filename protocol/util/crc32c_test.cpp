#include "util/crc32c.hpp"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <string_view>
#include <vector>

namespace izo {
namespace {

std::uint32_t crc_of(std::string_view s) {
  return crc32c(reinterpret_cast<const std::uint8_t*>(s.data()), s.size());
}

TEST(Crc32c, MatchesTheStandardCheckValue) {
  // The check value of CRC-32C over "123456789" (RFC 3720, appendix B.4).
  EXPECT_EQ(crc_of("123456789"), 0xE3069283u);
  EXPECT_EQ(crc_of(""), 0u);
}

TEST(Crc32c, MatchesIscsiTestVectors) {
  std::vector<std::uint8_t> zeros(32, 0), ones(32, 0xFF), inc(32);
  for (std::size_t i = 0; i < inc.size(); ++i) inc[i] = static_cast<std::uint8_t>(i);
  EXPECT_EQ(crc32c(zeros.data(), zeros.size()), 0x8A9136AAu);
  EXPECT_EQ(crc32c(ones.data(), ones.size()), 0x62A8AB43u);
  EXPECT_EQ(crc32c(inc.data(), inc.size()), 0x46DD794Eu);
}

RC_GTEST_PROP(Crc32c, HardwareAndPortableAgreeAndExtendComposes,
              (const std::vector<std::uint8_t>& a, const std::vector<std::uint8_t>& b)) {
  std::vector<std::uint8_t> ab(a);
  ab.insert(ab.end(), b.begin(), b.end());
  const auto whole = crc32c(ab.data(), ab.size());
  RC_ASSERT(whole == crc32c_portable(0, ab.data(), ab.size()));
  RC_ASSERT(whole == crc32c_extend(crc32c(a.data(), a.size()), b.data(), b.size()));
}

}  // namespace
}  // namespace izo
