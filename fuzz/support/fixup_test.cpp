// The structure repair of the custom mutators: bytes that a mutation broke
// (lengths, checksums, numbering) come out well-framed, and never longer than
// the room the mutator has.
#include "support/fixup.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "izo/upcall_format.h"
#include "kml/examples.hpp"
#include "kml/record.hpp"
#include "kml/scan.hpp"
#include "upcall/message.hpp"
#include "util/bytes.hpp"
#include "wire/packet.hpp"

namespace izo::fuzz {
namespace {

std::vector<std::uint8_t> encode(const kml::Record& r) {
  std::vector<std::uint8_t> out;
  EXPECT_TRUE(kml::encode(r, out).ok());
  return out;
}

TEST(FixKmlRecord, ARecordWithAChangedPathAndWrongLengthsDecodesWithTheNewPathAfterRepair) {
  auto bytes = encode(kml::example_records().at(IZO_KML_RENAME));
  bytes[IZO_KML_HEAD_SIZE] ^= 0x01;  // "docs/..." becomes "eocs/...": the CRC no longer matches
  bytes[4] ^= 0x10;                   // head.len
  bytes[bytes.size() - 1] = 0x7f;     // tail.len
  ASSERT_FALSE(kml::decode(bytes).ok());
  const auto n = fix_kml_record(bytes.data(), bytes.size(), bytes.size());
  bytes.resize(n);
  const auto r = kml::decode(bytes);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->path.substr(0, 4), "eocs");
}

TEST(FixKmlRecord, LengthsThatClaimMoreThanTheRecordHoldsAreCutToFit) {
  auto bytes = encode(kml::example_records().at(IZO_KML_SETXATTR));
  bytes[38] = 0xff;  // path2_len
  bytes[42] = 0x7f;  // data_len
  const auto n = fix_kml_record(bytes.data(), bytes.size(), bytes.size());
  const std::size_t path = get_le<std::uint16_t>(&bytes[36]);
  const std::size_t path2 = get_le<std::uint16_t>(&bytes[38]);
  const std::size_t data = get_le<std::uint32_t>(&bytes[40]);
  EXPECT_LE(IZO_KML_HEAD_SIZE + path + path2 + data + IZO_KML_TAIL_SIZE, n);
  EXPECT_FALSE(kml::validate(std::span(bytes.data(), n)).has_value() &&
               kml::validate(std::span(bytes.data(), n))->message.find("checksum") != std::string::npos);
}

TEST(FixKmlRecord, ATruncatedRecordGrowsToAWholeOneWithinItsRoom) {
  auto bytes = encode(kml::example_records().at(IZO_KML_NOOP));
  const std::size_t room = IZO_KML_MIN_LEN + 8;
  bytes.resize(100);
  bytes.resize(room + 16, 0xAA);  // 0xAA past the room: must stay untouched
  const auto n = fix_kml_record(bytes.data(), 100, room);
  EXPECT_LE(n, room);
  for (std::size_t i = room; i < bytes.size(); ++i) ASSERT_EQ(bytes[i], 0xAA) << "wrote past the room at " << i;
  const auto r = kml::decode(std::span(bytes.data(), n));
  EXPECT_TRUE(r.ok()) << r.error().message;
}

TEST(FixKmlLog, ALogWithADamagedMiddleRecordAndSkippedNumbersScansCleanAfterRepair) {
  std::vector<std::uint8_t> log;
  std::uint64_t recno = 5;
  for (auto r : kml::example_workload(4)) {
    r.recno = recno;
    recno += 3;  // not consecutive
    const auto one = encode(r);
    log.insert(log.end(), one.begin(), one.end());
  }
  const auto first = encode(kml::example_workload(1).front()).size();
  log[first + IZO_KML_HEAD_SIZE] ^= 0x01;  // the second record's path, 'd' to 'e'
  log[first + 4] ^= 0x08;                  // and its head.len
  ASSERT_NE(kml::scan_forward(log).tail, kml::Tail::clean);
  log.resize(fix_kml_log(log.data(), log.size(), log.size()));
  const auto report = kml::scan_forward(log);
  EXPECT_EQ(report.tail, kml::Tail::clean);
  EXPECT_EQ(report.records, 4u);
  EXPECT_EQ(report.first_recno, 5u);
  EXPECT_EQ(report.last_recno, 8u);
}

TEST(FixPacketStream, PacketsWithWrongChecksumsAndLengthsParseAfterRepair) {
  std::vector<std::uint8_t> stream;
  wire::encode_packet({wire::PacketType::msg, 0, 0, {1, 2, 3, 4}}, stream);
  wire::encode_packet({wire::PacketType::dat, 9, 9, {5, 6, 7}}, stream);
  stream[25] ^= 0xff;  // payload of the first: bad CRC
  stream[5] = 200;     // bad type
  stream[16] = 0x7f;   // payload_len past the end
  stream.resize(fix_packet_stream(stream.data(), stream.size(), stream.size()));
  wire::Packet p;
  const auto n = wire::parse_packet(stream, p);
  ASSERT_TRUE(n.ok()) << n.error().message;
  EXPECT_EQ(*n, stream.size());  // the first packet took the rest of the stream
}

TEST(FixUpcall, AJournalMessageWithBadLengthsAndABrokenRecordDecodesAfterRepair) {
  upcall::Message m{upcall::Kind::journal, 0, 5, 0, {}, 0, "shared", "", {}};
  m.data = encode(kml::example_workload(1).front());
  auto bytes = upcall::encode(m);
  ASSERT_TRUE(bytes.ok()) << bytes.error().message;
  auto b = *bytes;
  b[4] = 3;                                       // len
  b[IZO_UPCALL_HEAD_SIZE + 6 + 100] ^= 0x08;      // inside the record: its CRC fails
  ASSERT_FALSE(upcall::decode(b).ok());
  b.resize(fix_upcall(b.data(), b.size(), b.size()));
  const auto d = upcall::decode(b);
  EXPECT_TRUE(d.ok()) << d.error().message;
}

}  // namespace
}  // namespace izo::fuzz
