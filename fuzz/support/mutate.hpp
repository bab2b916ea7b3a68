// The custom mutators' common step, for libFuzzer builds only
// (IZO_LIBFUZZER): libFuzzer's own mutation, then in seven runs of eight a
// structure repair (fixup.hpp), so most mutants pass the checksums and reach
// the decoders' content rules while some still test the checks themselves.
#pragma once

#include <cstddef>
#include <cstdint>

extern "C" std::size_t LLVMFuzzerMutate(std::uint8_t* data, std::size_t size, std::size_t max_size);

namespace izo::fuzz {

template <class Fix>
std::size_t mutate_then_fix(std::uint8_t* data, std::size_t size, std::size_t max_size, unsigned seed, Fix fix) {
  size = LLVMFuzzerMutate(data, size, max_size);
  if (seed % 8 == 0) return size;
  return fix(data, size, max_size);
}

}  // namespace izo::fuzz

// Defines the target's custom mutator as libFuzzer's mutation followed by
// the repair `fix` (a function of fixup.hpp).
#define IZO_FUZZ_REPAIRING_MUTATOR(fix)                                                           \
  extern "C" std::size_t LLVMFuzzerCustomMutator(std::uint8_t* data, std::size_t size,            \
                                                 std::size_t max_size, unsigned seed) {           \
    return ::izo::fuzz::mutate_then_fix(data, size, max_size, seed, ::izo::fuzz::fix);            \
  }
