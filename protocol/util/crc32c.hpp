// CRC-32C (Castagnoli, reflected, polynomial 0x1EDC6F41), the checksum of KML
// records and wire packets. The same value the Linux kernel computes as
// ~crc32c(~0, data, len).
#pragma once

#include <cstddef>
#include <cstdint>

namespace izo {

// CRC of data[0..n), continuing from a previous crc32c() result (0 to start).
std::uint32_t crc32c_extend(std::uint32_t crc, const std::uint8_t* data, std::size_t n);

inline std::uint32_t crc32c(const std::uint8_t* data, std::size_t n) {
  return crc32c_extend(0, data, n);
}

// The portable implementation alone (Boost.CRC), for tests that compare it
// with the hardware path.
std::uint32_t crc32c_portable(std::uint32_t crc, const std::uint8_t* data, std::size_t n);

// True when crc32c_extend uses the SSE4.2 instruction on this machine.
bool crc32c_hardware();

}  // namespace izo
