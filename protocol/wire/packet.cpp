#include "wire/packet.hpp"

#include <stdexcept>
#include <string>

#include "util/bytes.hpp"
#include "util/crc32c.hpp"

namespace izo::wire {
namespace {

constexpr std::size_t kMagicOff = 0, kFormatOff = 4, kTypeOff = 5, kFlagsOff = 6, kCtokenOff = 8,
                      kStokenOff = 12, kLenOff = 16, kCrcOff = 20;

std::uint32_t packet_crc(const std::uint8_t* header, std::span<const std::uint8_t> payload) {
  return crc32c_extend(crc32c(header, kCrcOff), payload.data(), payload.size());
}

}  // namespace

std::string_view packet_type_name(PacketType t) {
  switch (t) {
    case PacketType::req: return "REQ";
    case PacketType::rep: return "REP";
    case PacketType::msg: return "MSG";
    case PacketType::dat: return "DAT";
    case PacketType::eod: return "EOD";
    case PacketType::eor: return "EOR";
    case PacketType::go: return "GO";
  }
  return "?";
}

void encode_packet(const Packet& p, std::vector<std::uint8_t>& out) {
  if (p.payload.size() > kMaxPayload)
    throw std::length_error("packet payload of " + std::to_string(p.payload.size()) +
                            " bytes over the limit of " + std::to_string(kMaxPayload));
  const std::size_t at = out.size();
  out.resize(at + kHeaderSize);
  std::uint8_t* h = out.data() + at;
  put_le<std::uint32_t>(h + kMagicOff, kPacketMagic);
  h[kFormatOff] = kPacketFormat;
  h[kTypeOff] = static_cast<std::uint8_t>(p.type);
  put_le<std::uint16_t>(h + kFlagsOff, 0);
  put_le<std::uint32_t>(h + kCtokenOff, p.ctoken);
  put_le<std::uint32_t>(h + kStokenOff, p.stoken);
  put_le<std::uint32_t>(h + kLenOff, static_cast<std::uint32_t>(p.payload.size()));
  put_le<std::uint32_t>(h + kCrcOff, packet_crc(h, p.payload));
  out.insert(out.end(), p.payload.begin(), p.payload.end());
}

Result<std::size_t> parse_packet(std::span<const std::uint8_t> in, Packet& out) {
  // Check what can be checked as soon as the bytes are there, so garbage is
  // refused at once rather than waited on.
  if (in.size() >= 4 && get_le<std::uint32_t>(in.data()) != kPacketMagic)
    return Error{"bad packet magic", kMagicOff};
  if (in.size() < kHeaderSize) return std::size_t{0};
  const std::uint8_t* h = in.data();
  if (h[kFormatOff] != kPacketFormat)
    return Error{"unknown packet format " + std::to_string(h[kFormatOff]), kFormatOff};
  const std::uint8_t type = h[kTypeOff];
  if (type < 1 || type > 7) return Error{"unknown packet type " + std::to_string(type), kTypeOff};
  if (get_le<std::uint16_t>(h + kFlagsOff) != 0) return Error{"packet flags not zero", kFlagsOff};
  const std::uint32_t len = get_le<std::uint32_t>(h + kLenOff);
  if (len > kMaxPayload)
    return Error{"payload length " + std::to_string(len) + " over the limit of " +
                     std::to_string(kMaxPayload),
                 kLenOff};
  if (in.size() < kHeaderSize + len) return std::size_t{0};
  const auto payload = in.subspan(kHeaderSize, len);
  if (packet_crc(h, payload) != get_le<std::uint32_t>(h + kCrcOff))
    return Error{"packet checksum mismatch", kCrcOff};
  out.type = static_cast<PacketType>(type);
  out.ctoken = get_le<std::uint32_t>(h + kCtokenOff);
  out.stoken = get_le<std::uint32_t>(h + kStokenOff);
  out.payload.assign(payload.begin(), payload.end());
  return kHeaderSize + len;
}

void PacketStream::feed(std::span<const std::uint8_t> bytes) {
  if (failed_) return;
  if (start_ > 0 && start_ == buf_.size()) {
    buf_.clear();
    start_ = 0;
  }
  buf_.insert(buf_.end(), bytes.begin(), bytes.end());
}

Result<std::optional<Packet>> PacketStream::next() {
  if (failed_) return *failed_;
  Packet p;
  auto n = parse_packet(std::span(buf_).subspan(start_), p);
  if (!n) {
    failed_ = n.error();
    failed_->offset += start_;
    return *failed_;
  }
  if (*n == 0) {
    if (start_ > (1u << 16) && start_ * 2 > buf_.size()) {  // compact now and then
      buf_.erase(buf_.begin(), buf_.begin() + static_cast<std::ptrdiff_t>(start_));
      start_ = 0;
    }
    return std::optional<Packet>{};
  }
  start_ += *n;
  return std::optional<Packet>{std::move(p)};
}

}  // namespace izo::wire
