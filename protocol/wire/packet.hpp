// Packets on a lento TCP connection (FORMAT.md beside this file): a 24-byte
// header with the HOWTO's packet types, the ctoken/stoken pair that routes a
// packet to its session, the payload length and a CRC-32C, then the payload.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "util/result.hpp"

namespace izo::wire {

inline constexpr std::uint32_t kPacketMagic = 0x4B505A49u;  // "IZPK" on the wire
inline constexpr std::uint8_t kPacketFormat = 1;
inline constexpr std::size_t kHeaderSize = 24;
inline constexpr std::uint32_t kMaxPayload = 8u << 20;

enum class PacketType : std::uint8_t {
  req = 1,  // a request, to the receiver's dispatcher; carries the sender's ctoken
  rep = 2,  // the final reply to a request, routed by ctoken
  msg = 3,  // a further message to the server session, routed by stoken
  dat = 4,  // bulk data, source to sink
  eod = 5,  // end of bulk data
  eor = 6,  // end of request, server to client
  go = 7,   // the server lets the client start sending DAT packets
};

std::string_view packet_type_name(PacketType t);

struct Packet {
  PacketType type = PacketType::req;
  std::uint32_t ctoken = 0;
  std::uint32_t stoken = 0;
  std::vector<std::uint8_t> payload;
  friend bool operator==(const Packet&, const Packet&) = default;
};

// Appends header and payload. Throws std::length_error over kMaxPayload.
void encode_packet(const Packet& p, std::vector<std::uint8_t>& out);

// Parses the packet at the start of `in`. Returns the number of bytes it
// took (0: more bytes are needed) and fills `out`; or the error that makes
// the stream unusable (bad magic, bad type, length over the limit, checksum).
Result<std::size_t> parse_packet(std::span<const std::uint8_t> in, Packet& out);

// Reassembles packets from a byte stream delivered in arbitrary pieces.
class PacketStream {
 public:
  void feed(std::span<const std::uint8_t> bytes);
  // The next whole packet, nullopt when more bytes are needed, or the error
  // (after which the stream stays failed: the connection must be dropped).
  Result<std::optional<Packet>> next();
  std::size_t buffered() const { return buf_.size() - start_; }

 private:
  std::vector<std::uint8_t> buf_;
  std::size_t start_ = 0;
  std::optional<Error> failed_;
};

}  // namespace izo::wire
