// The wire packet decoder, as a connection sees it: the input is a byte
// stream (after one byte that sets how it is cut into reads). Fed to
// PacketStream in those pieces, it gives exactly the packets, and the same
// error, as parse_packet() over the whole stream; every packet re-encodes to
// the bytes it came from; a request, reply or message payload goes through
// the message decoder, and what decodes re-encodes to the same payload.
#include <algorithm>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "support/check.hpp"
#include "support/entry.hpp"
#include "wire/messages.hpp"
#include "wire/packet.hpp"

#ifdef IZO_LIBFUZZER
#include "support/fixup.hpp"
#include "support/mutate.hpp"

extern "C" std::size_t LLVMFuzzerCustomMutator(std::uint8_t* data, std::size_t size, std::size_t max_size,
                                               unsigned seed) {
  // The first byte is the read size, the packets follow it.
  size = LLVMFuzzerMutate(data, size, max_size);
  if (size < 2 || seed % 8 == 0) return size;
  return 1 + izo::fuzz::fix_packet_stream(data + 1, size - 1, max_size - 1);
}
#endif

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace izo;
  if (size == 0) return 0;
  const std::size_t piece = 1 + data[0] % 61;
  const std::span<const std::uint8_t> stream(data + 1, size - 1);

  // The reference: parse_packet() over the whole stream.
  std::vector<wire::Packet> whole;
  std::vector<std::size_t> ends;
  std::optional<Error> whole_error;
  for (std::size_t at = 0;;) {
    wire::Packet p;
    const auto n = wire::parse_packet(stream.subspan(at), p);
    if (!n) {
      whole_error = n.error();
      break;
    }
    if (*n == 0) break;
    IZO_FUZZ_REQUIRE(*n >= wire::kHeaderSize && *n <= stream.size() - at, "a packet length outside the stream");
    at += *n;
    ends.push_back(at);
    whole.push_back(std::move(p));
  }

  // The same stream in pieces.
  wire::PacketStream ps;
  std::vector<wire::Packet> pieces;
  std::optional<Error> pieces_error;
  for (std::size_t at = 0; at < stream.size() && !pieces_error; at += piece) {
    ps.feed(stream.subspan(at, std::min(piece, stream.size() - at)));
    for (;;) {
      auto next = ps.next();
      if (!next) {
        pieces_error = next.error();
        auto again = ps.next();  // a failed stream stays failed
        IZO_FUZZ_REQUIRE(!again.ok(), "a failed packet stream recovered");
        break;
      }
      if (!*next) break;
      pieces.push_back(std::move(**next));
    }
  }
  IZO_FUZZ_REQUIRE(whole.size() == pieces.size() && std::equal(whole.begin(), whole.end(), pieces.begin()),
                   "the packets differ when the stream arrives in pieces");
  IZO_FUZZ_REQUIRE(whole_error.has_value() == pieces_error.has_value(),
                   "the stream fails whole but not in pieces, or the other way round");

  std::size_t start = 0;
  for (std::size_t i = 0; i < whole.size(); ++i) {
    const auto& p = whole[i];
    std::vector<std::uint8_t> again;
    wire::encode_packet(p, again);
    IZO_FUZZ_REQUIRE(again.size() == ends[i] - start &&
                         std::equal(again.begin(), again.end(), stream.begin() + static_cast<std::ptrdiff_t>(start)),
                     "a packet re-encodes to other bytes");
    start = ends[i];
    if (p.type != wire::PacketType::req && p.type != wire::PacketType::rep && p.type != wire::PacketType::msg)
      continue;
    const auto m = wire::decode_message(p.payload);
    if (!m) continue;
    std::vector<std::uint8_t> payload;
    wire::encode_message(*m, payload);
    IZO_FUZZ_REQUIRE(payload == p.payload, "a decoded message re-encodes to another payload");
  }
  return 0;
}
