// The upcall messages: every kind round-trips, bad messages are refused with
// what is wrong, the C view agrees, and a stream splits into messages
// wherever it was cut.
#include "upcall/message.hpp"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <bit>

#include "util/bytes.hpp"

extern "C" {
std::size_t izo_c_permit_upcall(std::uint8_t* buf, std::size_t cap, std::uint64_t id, std::uint32_t pid,
                                const char* fileset);
}

namespace izo::upcall {
namespace {

std::vector<Message> examples() {
  return {
      Message{Kind::attach, 0, 0, 0, {}, 0, "shared", ""},
      Message{Kind::permit_reply, 0, 7, 0, {}, 0, "shared", ""},
      Message{Kind::permit_reply, 30 /* EROFS */, 8, 0, {}, 0, "shared", ""},
      Message{Kind::fetch_reply, 0, 9, 0, {}, 0, "shared", ""},
      Message{Kind::revoke, 0, 0, 0, {}, 0, "shared", ""},
      Message{Kind::detach, 0, 0, 0, {}, 0, "shared", ""},
      Message{Kind::attached, 0, 0, 1234, Version{3, 0}, 0, "shared", ""},
      Message{Kind::permit, 0, 7, 0, {}, 4242, "shared", ""},
      Message{Kind::fetch, 0, 9, 0, Version{3, 17}, 4242, "shared", "docs/readme.txt"},
      Message{Kind::kml_written, 0, 0, 1240, {}, 0, "shared", ""},
      Message{Kind::permit_returned, 0, 0, 0, {}, 0, "shared", ""},
      Message{Kind::journal, 0, 11, 0, {}, 0, "shared", "", {1, 2, 3, 4, 5}},
      Message{Kind::sync, 0, 12, 0, {}, 0, "shared", ""},
      Message{Kind::journaled, 0, 11, 1241, {}, 0, "shared", ""},
      Message{Kind::journaled, 28 /* ENOSPC */, 12, 1240, {}, 0, "shared", ""},
  };
}

TEST(UpcallMessages, EveryKindRoundTrips) {
  for (const auto& m : examples()) {
    auto bytes = encode(m);
    ASSERT_TRUE(bytes.ok()) << kind_name(m.kind) << ": " << bytes.error().message;
    EXPECT_EQ(bytes->size(), IZO_UPCALL_HEAD_SIZE + m.fileset.size() + m.path.size() + m.data.size());
    auto back = decode(*bytes);
    ASSERT_TRUE(back.ok()) << kind_name(m.kind) << ": " << back.error().message;
    EXPECT_EQ(*back, m);
  }
}

TEST(UpcallMessages, PathLeavingTheFilesetIsRefused) {
  Message m{Kind::fetch, 0, 1, 0, Version{1, 1}, 1, "shared", "../etc/passwd"};
  auto bytes = encode(m);
  ASSERT_FALSE(bytes.ok());
  EXPECT_NE(bytes.error().message.find("fetch: path"), std::string::npos) << bytes.error().message;
  m.path = ".intermezzo/shared/kml";
  EXPECT_FALSE(encode(m).ok());
}

TEST(UpcallMessages, FieldItsKindDoesNotUseIsRefused) {
  EXPECT_FALSE(encode(Message{Kind::revoke, 0, 5, 0, {}, 0, "shared", ""}).ok());       // id
  EXPECT_FALSE(encode(Message{Kind::permit, 0, 0, 0, {}, 1, "shared", ""}).ok());       // id 0
  EXPECT_FALSE(encode(Message{Kind::attach, 0, 0, 0, {}, 0, "a/b", ""}).ok());          // fileset
  EXPECT_FALSE(encode(Message{Kind::permit, 5, 1, 0, {}, 1, "shared", ""}).ok());       // status
  EXPECT_FALSE(encode(Message{Kind::kml_written, 0, 0, 1, {}, 0, "shared", "x"}).ok()); // path
  EXPECT_FALSE(encode(Message{Kind::sync, 0, 1, 0, {}, 0, "shared", "", {1}}).ok());    // data
  auto empty = encode(Message{Kind::journal, 0, 1, 0, {}, 0, "shared", ""});            // no record
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error().message, "journal: data of 0 bytes outside 1.." + std::to_string(IZO_UPCALL_MAX_DATA));
}

TEST(UpcallMessages, DamagedBytesAreRefusedWithWhatIsWrong) {
  auto bytes = *encode(examples()[8]);
  auto with = [&](std::size_t at, std::uint8_t v) {
    auto b = bytes;
    b[at] = v;
    return decode(b);
  };
  auto bad_magic = with(0, 'X');
  ASSERT_FALSE(bad_magic.ok());
  EXPECT_EQ(bad_magic.error().message, "bad magic");
  auto bad_kind = with(10, 99);
  ASSERT_FALSE(bad_kind.ok());
  EXPECT_EQ(bad_kind.error().message, "unknown kind 99");
  auto reserved = with(60, 1);
  ASSERT_FALSE(reserved.ok());
  EXPECT_EQ(reserved.error().message, "reserved field is not zero");
  auto truncated = decode(std::span(bytes).first(bytes.size() - 1));
  ASSERT_FALSE(truncated.ok());
  auto lengths = with(54, 200);
  ASSERT_FALSE(lengths.ok());
  EXPECT_EQ(lengths.error().message, "fileset, path and data lengths do not add up to the message length");
}

TEST(UpcallMessages, PermitBuiltInCDecodes) {
  static_assert(std::endian::native == std::endian::little, "the C view fills fields directly");
  std::vector<std::uint8_t> buf(512);
  const auto n = izo_c_permit_upcall(buf.data(), buf.size(), 77, 4242, "shared");
  ASSERT_GT(n, 0u);
  buf.resize(n);
  auto m = decode(buf);
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_EQ(*m, (Message{Kind::permit, 0, 77, 0, {}, 4242, "shared", ""}));
  EXPECT_EQ(*encode(*m), buf);
}

TEST(UpcallMessages, StreamSplitsIntoMessagesWhereverItWasCut) {
  std::vector<std::uint8_t> stream;
  for (const auto& m : examples()) {
    auto b = *encode(m);
    stream.insert(stream.end(), b.begin(), b.end());
  }
  for (std::size_t chunk : {1u, 3u, 7u, 64u, 1000u}) {
    std::vector<std::uint8_t> pending;
    std::vector<Message> got;
    for (std::size_t at = 0; at < stream.size(); at += chunk) {
      const auto end = std::min(stream.size(), at + chunk);
      pending.insert(pending.end(), stream.begin() + static_cast<std::ptrdiff_t>(at),
                     stream.begin() + static_cast<std::ptrdiff_t>(end));
      for (;;) {
        auto len = frame_length(pending);
        ASSERT_TRUE(len.ok()) << len.error().message;
        if (!*len || pending.size() < **len) break;
        auto m = decode(std::span(pending).first(**len));
        ASSERT_TRUE(m.ok()) << m.error().message;
        got.push_back(*m);
        pending.erase(pending.begin(), pending.begin() + static_cast<std::ptrdiff_t>(**len));
      }
    }
    EXPECT_EQ(got, examples()) << "chunk " << chunk;
    EXPECT_TRUE(pending.empty());
  }
}

RC_GTEST_PROP(UpcallMessages, AnyBytesDecodeOrAreRefusedAndWhatDecodesReencodesTheSame,
              (std::vector<std::uint8_t> noise, std::uint8_t at, std::uint8_t value)) {
  // Half the time, a valid message with one byte changed; else noise.
  std::vector<std::uint8_t> b = noise;
  if (at % 2 == 0) {
    b = *encode(examples()[at % examples().size()]);
    b[at % b.size()] = value;
  }
  auto m = decode(b);
  if (m.ok()) {
    RC_ASSERT(*encode(*m) == b);
  }
}

}  // namespace
}  // namespace izo::upcall
