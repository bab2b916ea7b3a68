// What a machine crash can leave at the end of a KML, and whether recovery
// reads it right. A journal that had `kept` whole records on disk when the
// machine stopped, and the start (or only the size, as zeros) of the next,
// must scan as exactly those `kept` records followed by a torn tail, which
// recovery cuts (protocol/kml/FORMAT.md, "Recovery"). Checked on the real
// encoder and scanner, byte for byte.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "kml/record.hpp"

namespace izo::replay::crashpoints {

// One way the record after the kept ones was left half written.
struct TornTail {
  std::string how;                    // "first 8 bytes", "zeros, one block", ...
  std::vector<std::uint8_t> bytes;    // what follows the kept records
};

// The ways an interrupted append of `next` can end: each prefix a write can
// stop at (1 byte, 8, 16, half, all but one), and zero-filled space whose
// size reached the disk before its data (the record's length, a 4 KiB block).
std::vector<TornTail> torn_tails(const kml::Record& next);

// Checks that the first `kept` records of `records`, then `tail`, scan as
// exactly those records (each decoding to what was journaled) and a torn
// tail that recovery cuts. "" if so, else what went wrong.
std::string check_torn_tail(const std::vector<kml::Record>& records, std::size_t kept, const TornTail& tail);

}  // namespace izo::replay::crashpoints
