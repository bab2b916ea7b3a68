#include "support/fixup.hpp"

#include <algorithm>
#include <cstring>

#include "izo/upcall_format.h"
#include "util/bytes.hpp"
#include "util/crc32c.hpp"
#include "wire/packet.hpp"

namespace izo::fuzz {
namespace {

constexpr std::size_t kHead = IZO_KML_HEAD_SIZE;
constexpr std::size_t kTail = IZO_KML_TAIL_SIZE;
constexpr std::size_t kMin = IZO_KML_MIN_LEN;

std::size_t round_up8(std::size_t n) { return (n + 7u) & ~std::size_t{7}; }
std::size_t round_down8(std::size_t n) { return n & ~std::size_t{7}; }

template <class T>
T get(const std::uint8_t* p, std::size_t off) {
  return get_le<T>(p + off);
}
template <class T>
void set(std::uint8_t* p, std::size_t off, T v) {
  put_le<T>(p + off, v);
}

}  // namespace

std::size_t fix_kml_record(std::uint8_t* data, std::size_t size, std::size_t max_size) {
  std::size_t len = std::max(kMin, round_up8(std::min<std::size_t>(size, IZO_KML_MAX_LEN)));
  if (len > max_size) len = round_down8(max_size);
  if (len < kMin) return size;  // no room for a record at all
  if (len > size) std::memset(data + size, 0, len - size);

  set<std::uint32_t>(data, 0, IZO_KML_MAGIC);
  set<std::uint16_t>(data, 16, IZO_KML_FORMAT_V1);
  set<std::uint16_t>(data, 18, static_cast<std::uint16_t>(get<std::uint16_t>(data, 18) % IZO_KML_OPCODE_COUNT));

  // Fit the three variable parts into the space there is, then the space to them.
  const std::size_t space = len - kHead - kTail;
  const std::size_t path = std::min<std::size_t>({get<std::uint16_t>(data, 36), space, IZO_KML_MAX_PATH});
  const std::size_t path2 =
      std::min<std::size_t>({get<std::uint16_t>(data, 38), space - path, IZO_KML_MAX_PATH});
  const std::size_t blob =
      std::min<std::size_t>({get<std::uint32_t>(data, 40), space - path - path2, IZO_KML_MAX_DATA});
  set<std::uint16_t>(data, 36, static_cast<std::uint16_t>(path));
  set<std::uint16_t>(data, 38, static_cast<std::uint16_t>(path2));
  set<std::uint32_t>(data, 40, static_cast<std::uint32_t>(blob));
  const std::size_t used = path + path2 + blob;
  len = kHead + round_up8(used) + kTail;
  std::memset(data + kHead + used, 0, len - kTail - kHead - used);

  set<std::uint32_t>(data, 4, static_cast<std::uint32_t>(len));
  set<std::uint32_t>(data, len - kTail + 4, static_cast<std::uint32_t>(len));
  set<std::uint32_t>(data, len - kTail, crc32c(data, len - kTail));
  return len;
}

std::size_t fix_kml_log(std::uint8_t* data, std::size_t size, std::size_t max_size) {
  (void)max_size;  // a log is only ever shortened here
  std::size_t pos = 0;
  std::uint64_t recno = 0;
  while (size - pos >= kMin) {
    // The record's length: head.len if its tail agrees, else what its field
    // lengths add up to, else head.len cut to fit.
    const std::size_t avail = round_down8(size - pos);
    const std::size_t declared = get<std::uint32_t>(data, pos + 4);
    const std::size_t natural = kHead +
                                round_up8(std::size_t{get<std::uint16_t>(data, pos + 36)} +
                                          get<std::uint16_t>(data, pos + 38) + get<std::uint32_t>(data, pos + 40)) +
                                kTail;
    std::size_t len = std::clamp(round_down8(declared), kMin, avail);
    const bool tail_agrees = declared == len && get<std::uint32_t>(data, pos + len - 4) == declared;
    if (!tail_agrees && natural <= avail) len = natural;
    if (recno == 0) {
      recno = std::max<std::uint64_t>(1, get<std::uint64_t>(data, pos + 8));
    } else {
      ++recno;
    }
    set<std::uint64_t>(data, pos + 8, recno);
    const std::size_t fixed = fix_kml_record(data + pos, len, len);
    if (fixed < len) {  // close the log up behind the shortened record
      std::memmove(data + pos + fixed, data + pos + len, size - pos - len);
      size -= len - fixed;
    }
    pos += fixed;
  }
  return size;
}

std::size_t fix_packet_stream(std::uint8_t* data, std::size_t size, std::size_t max_size) {
  (void)max_size;
  std::size_t pos = 0;
  while (size - pos >= wire::kHeaderSize) {
    std::uint8_t* h = data + pos;
    set<std::uint32_t>(h, 0, wire::kPacketMagic);
    h[4] = wire::kPacketFormat;
    h[5] = static_cast<std::uint8_t>(1 + h[5] % 7);
    set<std::uint16_t>(h, 6, 0);
    const std::size_t payload =
        std::min<std::size_t>({get<std::uint32_t>(h, 16), size - pos - wire::kHeaderSize, wire::kMaxPayload});
    set<std::uint32_t>(h, 16, static_cast<std::uint32_t>(payload));
    set<std::uint32_t>(h, 20, crc32c_extend(crc32c(h, 20), h + wire::kHeaderSize, payload));
    pos += wire::kHeaderSize + payload;
  }
  return size;
}

std::size_t fix_upcall(std::uint8_t* data, std::size_t size, std::size_t max_size) {
  constexpr std::size_t kUpHead = IZO_UPCALL_HEAD_SIZE;
  if (size < kUpHead) {
    if (max_size < kUpHead) return size;
    std::memset(data + size, 0, kUpHead - size);
    size = kUpHead;
  }
  set<std::uint32_t>(data, 0, IZO_UPCALL_MAGIC);
  set<std::uint16_t>(data, 8, IZO_UPCALL_FORMAT_V1);
  const std::size_t space = size - kUpHead;
  const std::size_t fileset = std::min<std::size_t>(get<std::uint16_t>(data, 52), space);
  const std::size_t path = std::min<std::size_t>(get<std::uint16_t>(data, 54), space - fileset);
  std::size_t blob = space - fileset - path;  // the data takes the rest
  if (get<std::uint16_t>(data, 10) == IZO_DOWN_JOURNAL && blob >= kMin)
    blob = fix_kml_record(data + kUpHead + fileset + path, round_down8(blob), blob);
  set<std::uint16_t>(data, 52, static_cast<std::uint16_t>(fileset));
  set<std::uint16_t>(data, 54, static_cast<std::uint16_t>(path));
  set<std::uint32_t>(data, 56, static_cast<std::uint32_t>(blob));
  size = kUpHead + fileset + path + blob;
  set<std::uint32_t>(data, 4, static_cast<std::uint32_t>(size));
  return size;
}

}  // namespace izo::fuzz
