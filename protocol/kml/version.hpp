// Object version stamps (DESIGN.md contract 4): the host that produced a
// version and that host's counter. The zero stamp means "no such object".
#pragma once

#include <compare>
#include <cstdint>
#include <string>

namespace izo {

struct Version {
  std::uint64_t host = 0;
  std::uint64_t seq = 0;

  bool exists() const noexcept { return host != 0 || seq != 0; }
  friend auto operator<=>(const Version&, const Version&) = default;
};

inline constexpr Version kNoVersion{};

// "host:seq", or "none" for the zero stamp.
std::string to_string(const Version& v);

}  // namespace izo
