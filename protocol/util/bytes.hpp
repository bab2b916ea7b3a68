// Little-endian integer access to byte buffers, whatever the host's byte order.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>

namespace izo {

template <class T>
constexpr T to_le(T v) noexcept {
  if constexpr (std::endian::native == std::endian::little || sizeof(T) == 1) {
    return v;
  } else if constexpr (sizeof(T) == 2) {
    return static_cast<T>(__builtin_bswap16(static_cast<std::uint16_t>(v)));
  } else if constexpr (sizeof(T) == 4) {
    return static_cast<T>(__builtin_bswap32(static_cast<std::uint32_t>(v)));
  } else {
    return static_cast<T>(__builtin_bswap64(static_cast<std::uint64_t>(v)));
  }
}

template <class T>
inline void put_le(std::uint8_t* p, T v) noexcept {
  const T le = to_le(v);
  std::memcpy(p, &le, sizeof le);
}

template <class T>
inline T get_le(const std::uint8_t* p) noexcept {
  T v;
  std::memcpy(&v, p, sizeof v);
  return to_le(v);
}

}  // namespace izo
