// The fuzz input read as a tape of choices (the g++ build has no
// FuzzedDataProvider), by the simulator's own rule for reading a tape
// (model/sim/rng.hpp). An exhausted tape reads as zeros, so every input is a
// complete run.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "sim/rng.hpp"

namespace izo::fuzz {

class Tape {
 public:
  Tape(const std::uint8_t* data, std::size_t size) : rest_(data, size) {}
  bool empty() const { return rest_.empty(); }
  std::uint8_t byte() { return static_cast<std::uint8_t>(below(256)); }
  bool bit() { return (byte() & 1u) != 0; }
  // In [0, n), n > 0.
  std::uint64_t below(std::uint64_t n) { return model::take_below(rest_, n); }

 private:
  std::span<const std::uint8_t> rest_;
};

}  // namespace izo::fuzz
