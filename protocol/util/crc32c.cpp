#include "util/crc32c.hpp"

#include <boost/crc.hpp>
#include <cstring>

namespace izo {

std::uint32_t crc32c_portable(std::uint32_t crc, const std::uint8_t* data, std::size_t n) {
  // Reflected CRC-32C; the initial value ~crc continues a finished CRC.
  boost::crc_optimal<32, 0x1EDC6F41, 0, 0xFFFFFFFF, true, true> engine(~crc);
  engine.process_bytes(data, n);
  return engine.checksum();
}

#if defined(__x86_64__)
namespace {

__attribute__((target("sse4.2"))) std::uint32_t crc32c_sse42(std::uint32_t crc,
                                                              const std::uint8_t* data,
                                                              std::size_t n) {
  std::uint64_t c = ~crc;
  while (n >= 8) {
    std::uint64_t word;
    std::memcpy(&word, data, 8);
    c = __builtin_ia32_crc32di(c, word);
    data += 8;
    n -= 8;
  }
  auto c32 = static_cast<std::uint32_t>(c);
  while (n > 0) {
    c32 = __builtin_ia32_crc32qi(c32, *data);
    ++data;
    --n;
  }
  return ~c32;
}

const bool has_sse42 = __builtin_cpu_supports("sse4.2");

}  // namespace

bool crc32c_hardware() { return has_sse42; }

std::uint32_t crc32c_extend(std::uint32_t crc, const std::uint8_t* data, std::size_t n) {
  return has_sse42 ? crc32c_sse42(crc, data, n) : crc32c_portable(crc, data, n);
}
#else
bool crc32c_hardware() { return false; }

std::uint32_t crc32c_extend(std::uint32_t crc, const std::uint8_t* data, std::size_t n) {
  return crc32c_portable(crc, data, n);
}
#endif

}  // namespace izo
