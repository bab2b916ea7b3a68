// The KML header's C view (include/kml_format_c_test.c, compiled as C) and the
// C++ codec must produce and accept the same bytes.
#include <gtest/gtest.h>

#include <bit>

#include "kml/record.hpp"
#include "util/crc32c.hpp"

extern "C" {
std::uint32_t izo_test_crc32c(const std::uint8_t* data, std::size_t n);
std::uint32_t izo_test_crc32c(const std::uint8_t* data, std::size_t n) {
  return izo::crc32c(data, n);
}
std::size_t izo_c_mkdir_record(std::uint8_t* buf, std::size_t cap, std::uint64_t recno,
                               const char* path);
}

namespace izo::kml {
namespace {

TEST(KmlCView, RecordBuiltInCDecodesAndEqualsTheCxxEncoding) {
  static_assert(std::endian::native == std::endian::little, "the C view test fills fields directly");
  std::vector<std::uint8_t> c_bytes(512);
  const auto n = izo_c_mkdir_record(c_bytes.data(), c_bytes.size(), 42, "projects/new dir");
  ASSERT_GT(n, 0u);
  c_bytes.resize(n);
  auto r = decode(c_bytes);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->op, Op::mkdir);
  EXPECT_EQ(r->recno, 42u);
  EXPECT_EQ(r->path, "projects/new dir");
  EXPECT_EQ(r->obj_new, (Version{5, 9}));
  EXPECT_EQ(r->attrs.mode, 040750u);

  std::vector<std::uint8_t> cxx_bytes;
  ASSERT_TRUE(encode(*r, cxx_bytes).ok());
  EXPECT_EQ(cxx_bytes, c_bytes);
}

}  // namespace
}  // namespace izo::kml
