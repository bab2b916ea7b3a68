// Walking a KML held in memory, forwards and backwards, and the recovery
// rule for what follows the last good record (FORMAT.md, "Recovery").
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>

#include "kml/record.hpp"
#include "util/result.hpp"

namespace izo::kml {

// One good record inside a log.
struct Frame {
  std::size_t offset = 0;
  std::size_t len = 0;
  std::uint64_t recno = 0;
  Op op = Op::noop;
  std::span<const std::uint8_t> bytes;  // the whole record
};

// Return false to stop the walk early.
using Visitor = std::function<bool(const Frame&)>;

enum class Tail {
  clean,    // the log ends right after its last good record
  torn,     // then bytes that hold no later good record: an incomplete append; cut it
  corrupt,  // then a damaged region and, after it, a good record: never cut silently
};

struct ScanReport {
  Tail tail = Tail::clean;
  std::size_t good_end = 0;       // offset just after the last good record: the cut point
  std::uint64_t records = 0;      // good records before good_end
  std::uint64_t first_recno = 0;  // 0 when there are none
  std::uint64_t last_recno = 0;
  std::optional<Error> problem;   // the first bad record: its offset and what is wrong
  bool zero_filled = false;       // torn: every byte after good_end is zero
  std::size_t resync_offset = 0;  // corrupt: where the next good record was found

  // Whether the input is plausibly a KML at all: empty, or at least one good
  // record, or a first record that at least starts with the magic.
  bool looks_like_kml = true;
  bool stopped_early = false;  // the visitor asked to stop
};

// Walks forward from offset 0, calling visit (if any) for each good record.
// Record numbers must be consecutive; the first may be any number >= 1.
ScanReport scan_forward(std::span<const std::uint8_t> log, const Visitor& visit = {});

// Walks backward from `end`, which must be a record boundary (normally
// ScanReport::good_end), to offset 0. Returns the number of records visited,
// or the first bad record met.
Result<std::uint64_t> scan_backward(std::span<const std::uint8_t> log, std::size_t end,
                                    const Visitor& visit = {});

// The good record that starts at `at`, or why there is none.
Result<Frame> frame_at(std::span<const std::uint8_t> log, std::size_t at);

std::string_view tail_name(Tail t);

}  // namespace izo::kml
