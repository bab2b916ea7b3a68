#include "kml/record.hpp"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "kml/examples.hpp"
#include "kml/record_gen.hpp"
#include "util/bytes.hpp"
#include "util/crc32c.hpp"

namespace izo::kml {
namespace {

std::vector<std::uint8_t> encoded(const Record& r) {
  std::vector<std::uint8_t> out;
  auto n = encode(r, out);
  EXPECT_TRUE(n.ok()) << (n.ok() ? "" : n.error().message);
  return out;
}

// Rewrites the checksum after a test changed bytes on purpose, so that the
// content rules (not the checksum) are what refuses the record.
void reseal(std::vector<std::uint8_t>& b) {
  const std::size_t tail = b.size() - IZO_KML_TAIL_SIZE;
  put_le<std::uint32_t>(b.data() + tail, crc32c(b.data(), tail));
}

TEST(KmlRecord, EveryOpcodeRoundTrips) {
  const auto all = example_records();
  ASSERT_EQ(all.size(), kOpCount);
  for (std::size_t i = 0; i < all.size(); ++i) {
    Record r = all[i];
    r.recno = i + 1;
    EXPECT_EQ(static_cast<std::size_t>(r.op), i);
    const auto bytes = encoded(r);
    EXPECT_EQ(bytes.size(), encoded_size(r));
    EXPECT_EQ(bytes.size() % IZO_KML_ALIGN, 0u);
    auto back = decode(bytes);
    ASSERT_TRUE(back.ok()) << op_name(r.op) << ": " << back.error().message;
    EXPECT_EQ(*back, r) << op_name(r.op);
  }
}

TEST(KmlRecord, LayoutFieldsSitWhereTheCHeaderSays) {
  Record r = example_records()[IZO_KML_CLOSE];
  r.recno = 0x0102030405060708;
  const auto b = encoded(r);
  EXPECT_EQ(get_le<std::uint32_t>(b.data()), IZO_KML_MAGIC);
  EXPECT_EQ(b[0], 'I');
  EXPECT_EQ(b[1], 'Z');
  EXPECT_EQ(b[2], 'K');
  EXPECT_EQ(b[3], 'L');
  EXPECT_EQ(b[offsetof(izo_kml_head, recno)], 0x08);  // little-endian
  EXPECT_EQ(get_le<std::uint16_t>(b.data() + offsetof(izo_kml_head, opcode)), IZO_KML_CLOSE);
  EXPECT_EQ(get_le<std::uint64_t>(b.data() + offsetof(izo_kml_head, size)), 4096u);
  EXPECT_EQ(get_le<std::uint32_t>(b.data() + b.size() - 4), b.size());
}

TEST(KmlRecord, OpNamesRoundTrip) {
  for (std::size_t i = 0; i < kOpCount; ++i) {
    const auto op = static_cast<Op>(i);
    EXPECT_EQ(op_from_name(op_name(op)), op);
  }
  EXPECT_FALSE(op_from_name("format").has_value());
}

RC_GTEST_PROP(KmlRecord, AnyValidRecordRoundTrips, ()) {
  const Record r = *testing::gen_record();
  RC_ASSERT(!check(r).has_value());
  std::vector<std::uint8_t> b;
  RC_ASSERT(encode(r, b).ok());
  auto back = decode(b);
  RC_ASSERT(back.ok());
  RC_ASSERT(*back == r);
}

RC_GTEST_PROP(KmlRecord, AnyFlippedBitIsDetected, ()) {
  const Record r = *testing::gen_record();
  std::vector<std::uint8_t> b;
  RC_ASSERT(encode(r, b).ok());
  const auto i = *rc::gen::inRange<std::size_t>(0, b.size());
  const auto bit = *rc::gen::inRange(0, 8);
  b[i] = static_cast<std::uint8_t>(b[i] ^ (1u << bit));
  RC_ASSERT(!decode(b).ok());
}

TEST(KmlRecord, PathOutsideTheFilesetIsRefusedByTheEncoder) {
  Record r = example_records()[IZO_KML_CREATE];
  r.path = "../../etc/passwd";
  std::vector<std::uint8_t> out;
  auto n = encode(r, out);
  ASSERT_FALSE(n.ok());
  EXPECT_EQ(n.error().message, "create: path: \"..\" path component");
  EXPECT_TRUE(out.empty());
}

TEST(KmlRecord, PathOutsideTheFilesetIsRefusedByTheDecoder) {
  Record r = example_records()[IZO_KML_RENAME];
  r.path2 = "ab/cd";
  auto b = encoded(r);
  const std::size_t at = IZO_KML_HEAD_SIZE + r.path.size();
  b[at] = '.';
  b[at + 1] = '.';  // "../cd": legal framing, illegal path
  reseal(b);
  auto d = decode(b);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.error().message, "rename: path2: \"..\" path component");
  EXPECT_EQ(d.error().offset, at);
}

TEST(KmlRecord, MetadataFolderIsRefused) {
  Record r = example_records()[IZO_KML_CREATE];
  r.path = ".intermezzo/fset/kml";
  ASSERT_TRUE(check(r).has_value());
}

TEST(KmlRecord, UnknownOpcodeIsRefusedWithItsNumber) {
  auto b = encoded(example_records()[IZO_KML_NOOP]);
  put_le<std::uint16_t>(b.data() + offsetof(izo_kml_head, opcode), 99);
  reseal(b);
  auto d = decode(b);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.error().message, "unknown opcode 99");
  EXPECT_EQ(d.error().offset, offsetof(izo_kml_head, opcode));
}

TEST(KmlRecord, WrongFormatVersionIsRefused) {
  auto b = encoded(example_records()[IZO_KML_NOOP]);
  put_le<std::uint16_t>(b.data() + offsetof(izo_kml_head, format), 2);
  reseal(b);
  EXPECT_EQ(decode(b).error().message, "unknown format version 2");
}

TEST(KmlRecord, NonZeroPaddingIsRefused) {
  Record r = example_records()[IZO_KML_CREATE];
  r.path = "a";  // 1 byte of variable data, 7 of padding
  auto b = encoded(r);
  b[IZO_KML_HEAD_SIZE + 3] = 1;
  reseal(b);
  EXPECT_EQ(decode(b).error().message, "padding is not zero");
}

TEST(KmlRecord, LengthsThatDoNotAddUpAreRefused) {
  auto b = encoded(example_records()[IZO_KML_CREATE]);
  put_le<std::uint16_t>(b.data() + offsetof(izo_kml_head, path_len), 200);
  reseal(b);
  EXPECT_EQ(decode(b).error().message, "field lengths do not add up to the record length");
}

TEST(KmlRecord, DataOnANonXattrRecordIsRefused) {
  Record r = example_records()[IZO_KML_CREATE];
  r.data = "x";
  EXPECT_EQ(check(r)->message, "create: unexpected data");
}

TEST(KmlRecord, OversizedFieldsAreRefused) {
  Record r = example_records()[IZO_KML_SETXATTR];
  r.data.assign(IZO_KML_MAX_DATA + 1, 'v');
  EXPECT_TRUE(check(r).has_value());
  r.data.assign(IZO_KML_MAX_DATA, 'v');
  EXPECT_FALSE(check(r).has_value());
  r.path2.assign(256, 'n');
  EXPECT_TRUE(check(r).has_value());
}

TEST(KmlRecord, TruncatedRecordIsRefused) {
  const auto b = encoded(example_records()[IZO_KML_SYMLINK]);
  for (std::size_t n = 0; n < b.size(); ++n)
    EXPECT_FALSE(decode(std::span(b).first(n)).ok()) << "accepted a prefix of " << n << " bytes";
}

}  // namespace
}  // namespace izo::kml
