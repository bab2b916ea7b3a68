// The one source of choices in a simulation: a seeded xoshiro256** generator.
// The same seed gives the same run, byte for byte, on every machine (no
// std:: distributions, whose results differ between standard libraries).
// A fuzzer can hand it a tape of bytes that make the first choices instead
// (then the generator goes on), so coverage guidance steers the run.
#pragma once

#include <cstdint>
#include <span>

namespace izo::model {

// A number below n (n > 0) read from the front of `tape`, taking as many
// bytes as n needs (one for n <= 256); a number the tape's end cuts short is
// made of the bytes there were (0 if none).
inline std::uint64_t take_below(std::span<const std::uint8_t>& tape, std::uint64_t n) {
  std::uint64_t v = 0;
  for (std::uint64_t rest = n - 1;; rest >>= 8) {
    if (!tape.empty()) {
      v = (v << 8) | tape.front();
      tape = tape.subspan(1);
    }
    if (rest <= 0xFF) break;
  }
  return v % n;
}

class Rng {
 public:
  explicit Rng(std::uint64_t seed, std::span<const std::uint8_t> tape = {}) : tape_(tape) {
    // SplitMix64 spreads the seed over the state.
    for (auto& w : s_) {
      seed += 0x9E3779B97F4A7C15ull;
      std::uint64_t z = seed;
      z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
      z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
      w = z ^ (z >> 31);
    }
  }

  std::uint64_t next() {
    const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }

  // Uniform in [0, n), n > 0 (modulo with rejection of the biased low end).
  std::uint64_t below(std::uint64_t n) {
    if (!tape_.empty()) return take_below(tape_, n);
    const std::uint64_t threshold = (0 - n) % n;
    for (;;) {
      const std::uint64_t x = next();
      if (x >= threshold) return x % n;
    }
  }

  // True with probability percent/100.
  bool chance(unsigned percent) { return below(100) < percent; }

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  std::uint64_t s_[4]{};
  std::span<const std::uint8_t> tape_;
};

}  // namespace izo::model
