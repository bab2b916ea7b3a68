// What a fuzz target does when an invariant breaks: says which, then aborts,
// which libFuzzer records as a crash (with the input) and the corpus replay
// test reports as a failure.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>

namespace izo::fuzz {

[[noreturn]] inline void invariant_broken(const char* file, int line, const std::string& what) {
  std::fprintf(stderr, "%s:%d: fuzz invariant broken: %s\n", file, line, what.c_str());
  std::abort();
}

}  // namespace izo::fuzz

#define IZO_FUZZ_REQUIRE(cond, what)                                    \
  do {                                                                  \
    if (!(cond)) ::izo::fuzz::invariant_broken(__FILE__, __LINE__, what); \
  } while (0)
