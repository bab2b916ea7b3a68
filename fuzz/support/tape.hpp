// The fuzz input read as a tape of choices (the g++ build has no
// FuzzedDataProvider). An exhausted tape reads as zeros, so every input is a
// complete run.
#pragma once

#include <cstddef>
#include <cstdint>

namespace izo::fuzz {

class Tape {
 public:
  Tape(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}
  bool empty() const { return pos_ >= size_; }
  std::uint8_t byte() { return empty() ? 0 : data_[pos_++]; }
  bool bit() { return (byte() & 1u) != 0; }
  // In [0, n), n > 0, from as few bytes as n needs (one for n <= 256).
  std::uint64_t below(std::uint64_t n) {
    std::uint64_t v = 0;
    for (std::uint64_t rest = n - 1;; rest >>= 8) {
      v = (v << 8) | byte();
      if (rest <= 0xFF) break;
    }
    return v % n;
  }
  std::uint64_t u64() {
    std::uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v = (v << 8) | byte();
    return v;
  }

 private:
  const std::uint8_t* data_;
  std::size_t size_;
  std::size_t pos_ = 0;
};

}  // namespace izo::fuzz
