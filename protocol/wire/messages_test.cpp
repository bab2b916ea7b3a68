#include "wire/messages.hpp"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <set>

#include "kml/examples.hpp"
#include "util/bytes.hpp"
#include "wire/message_gen.hpp"

namespace izo::wire {
namespace {

std::vector<std::uint8_t> bytes_of(const Message& m) {
  std::vector<std::uint8_t> out;
  encode_message(m, out);
  return out;
}

// One filled-in example of every message kind.
std::vector<Message> examples() {
  auto records = kml::example_workload(3, 7);
  return {
      Hello{kProtocolVersion, "clientA", 0xA, "shared", 12, 40},
      HelloReply{Status::ok, "", "muskox", 0x3, 41, 11},
      GetPermit{"shared"},
      PermitReply{Status::busy, "shared", 9, "permit held by clientB; breaking"},
      BreakPermit{"shared", 9},
      ReleasePermit{"shared", 9, 44},
      Validate{"shared", "docs/readme.txt", Version{3, 14}},
      ValidateReply{Status::ok, false, Version{3, 15}},
      FetchFile{"shared", "docs/readme.txt", Version{3, 15}, 0},
      FetchFileReply{Status::ok, Version{3, 15}, 4096, 0100644, ""},
      FetchDir{"shared", ""},
      FetchDirReply{Status::ok, Version{3, 1}, {{"docs", 040755, {3, 2}, 0}, {"a", 0100600, {4, 1}, 9}}},
      Reintegrate{"shared", records},
      ReintegrateReply{Status::conflict, 9, 1, "changed on both sides", "docs/readme.txt", {records.front()}},
      UpdateNotify{"shared", records},
      Ack{"shared", 9},
      ErrorReply{Status::bad_request, "unknown fileset"},
      Heartbeat{77},
      Describe{"shared", {{"docs/readme.txt"}, {"moved"}}},
      DescribeReply{Status::ok, 41, {records.front(), records.back()}},
      PushContents{"shared", {{"docs/readme.txt", Version{3, 15}, {"hello\n"}}, {"empty", Version{3, 16}, {""}}}},
  };
}

TEST(WireMessages, EveryKindRoundTrips) {
  const auto all = examples();
  std::set<Kind> kinds;
  for (const auto& m : all) {
    kinds.insert(kind_of(m));
    auto back = decode_message(bytes_of(m));
    ASSERT_TRUE(back.ok()) << kind_name(kind_of(m)) << ": " << back.error().message;
    EXPECT_EQ(*back, m) << kind_name(kind_of(m));
  }
  EXPECT_EQ(kinds.size(), std::variant_size_v<Message>);
}

RC_GTEST_PROP(WireMessages, AnyMessageRoundTrips, ()) {
  const Message m = *testing::gen_message();
  auto back = decode_message(bytes_of(m));
  RC_ASSERT(back.ok());
  RC_ASSERT(*back == m);
}

TEST(WireMessages, EveryTruncationIsAPreciseError) {
  for (const auto& m : examples()) {
    const auto b = bytes_of(m);
    for (std::size_t n = 0; n < b.size(); ++n) {
      auto d = decode_message(std::span(b).first(n));
      ASSERT_FALSE(d.ok()) << kind_name(kind_of(m)) << " accepted " << n << " of " << b.size();
      ASSERT_LE(d.error().offset, n);
      ASSERT_FALSE(d.error().message.empty());
    }
  }
}

TEST(WireMessages, TrailingBytesAreRefused) {
  auto b = bytes_of(Heartbeat{1});
  b.push_back(0);
  EXPECT_EQ(decode_message(b).error().message, "heartbeat: 1 trailing bytes after the message");
}

TEST(WireMessages, UnknownKindIsRefused) {
  std::vector<std::uint8_t> b{0xFF, 0x00};
  EXPECT_EQ(decode_message(b).error().message, "unknown message kind 255");
}

TEST(WireMessages, PathLeavingTheFilesetIsRefused) {
  auto b = bytes_of(FetchFile{"shared", "docs/aa", {}, 0});
  // Overwrite "docs/aa" with "../../x" in place: same length, illegal path.
  const std::string evil = "../../x";
  const auto at = std::search(b.begin(), b.end(), std::begin("docs/aa"), std::end("docs/aa") - 1);
  ASSERT_NE(at, b.end());
  std::copy(evil.begin(), evil.end(), at);
  auto d = decode_message(b);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.error().message, "fetch_file: path: \"..\" path component");
}

TEST(WireMessages, BadNameIsRefused) {
  auto b = bytes_of(GetPermit{"a/b"});
  EXPECT_EQ(decode_message(b).error().message, "get_permit: fileset: '/' in name");
}

TEST(WireMessages, RecordCountOverTheLimitIsRefusedBeforeReading) {
  std::vector<std::uint8_t> b;
  encode_message(Reintegrate{"shared", {}}, b);
  put_le<std::uint32_t>(b.data() + b.size() - 4, 1'000'000);
  auto d = decode_message(b);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.error().message,
            "reintegrate: records: 1000000 items, more than the limit of 1024");
}

TEST(WireMessages, PushedContentOverTheLimitIsRefusedBeforeReading) {
  auto b = bytes_of(PushContents{"shared", {{"f", Version{3, 1}, {""}}}});
  put_le<std::uint32_t>(b.data() + b.size() - 4, 2u << 20);  // the content's length
  auto d = decode_message(b);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.error().message, "push_contents: pushed.content: 2097152 bytes, over the limit of 1048576");
  std::vector<std::uint8_t> out;
  EXPECT_THROW(encode_message(PushContents{"shared", {{"f", Version{3, 1}, {std::string(2u << 20, 'x')}}}}, out),
               std::invalid_argument);
}

TEST(WireMessages, CorruptRecordInABatchIsRefusedWithItsIndex) {
  auto records = kml::example_workload(3, 1);
  auto b = bytes_of(Reintegrate{"shared", records});
  b[b.size() - 20] ^= 0xFF;  // inside the last record's padding or data
  auto d = decode_message(b);
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.error().message.find("records[2]"), std::string::npos) << d.error().message;
}

TEST(WireMessages, BooleanOtherThanZeroOrOneIsRefused) {
  auto b = bytes_of(ValidateReply{Status::ok, true, {}});
  b[4] = 2;  // kind(2) status(2) valid(1)
  EXPECT_EQ(decode_message(b).error().message, "validate_reply: valid: boolean is 2");
}

}  // namespace
}  // namespace izo::wire
