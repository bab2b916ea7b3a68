// Bytes as lowercase hex digits, and back: for JSON, which has no bytes.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.hpp"

namespace izo {

std::string to_hex(std::span<const std::uint8_t> bytes);
inline std::string to_hex(std::string_view s) {
  return to_hex(std::span(reinterpret_cast<const std::uint8_t*>(s.data()), s.size()));
}

// Refuses an odd count and anything but 0-9a-f, naming where.
Result<std::vector<std::uint8_t>> from_hex(std::string_view hex);

}  // namespace izo
