// A host's id from its sysid name: the number stamped in versions and carried
// in KML records and hellos. Every host derives the same id from the same
// name, so the configuration files (which name hosts) need no numbers.
#pragma once

#include <cstdint>
#include <string_view>

namespace izo {

// FNV-1a (64-bit) of the name; never 0 (0 means "no host" in versions).
constexpr std::uint64_t host_id_of(std::string_view name) {
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (const char c : name) {
    h ^= static_cast<std::uint8_t>(c);
    h *= 0x100000001b3ull;
  }
  return h == 0 ? 1 : h;
}

}  // namespace izo
