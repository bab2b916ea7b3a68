// A plain main for a fuzz target, for builds without libFuzzer: runs
// LLVMFuzzerTestOneInput on every file named, or found in the folders named
// (sorted, so runs are repeatable). This is how the ordinary test run
// exercises each target's seed corpus and its regression inputs. Folders that
// do not exist are skipped; finding no input at all is an error, so a
// misplaced corpus cannot pass silently.
//
// --expect-failure runs each input in a child process and succeeds only if
// every one still breaks the target (an abort or a sanitizer report): for
// known findings not fixed yet, so that a fix is noticed.
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "support/entry.hpp"

namespace {

std::vector<std::uint8_t> read_all(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

int main(int argc, char** argv) {
  namespace fs = std::filesystem;
  if (argc < 2 || std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h") {
    std::fprintf(stderr, "usage: %s INPUT_OR_FOLDER...\nRuns the fuzz target on each input (no fuzzing).\n",
                 argv[0]);
    return argc < 2 ? 64 : 0;
  }
  const bool expect_failure = std::string(argv[1]) == "--expect-failure";
  std::vector<fs::path> inputs;
  for (int i = expect_failure ? 2 : 1; i < argc; ++i) {
    const fs::path arg = argv[i];
    std::error_code ec;
    if (fs::is_directory(arg, ec)) {
      for (const auto& e : fs::directory_iterator(arg))
        if (e.is_regular_file()) inputs.push_back(e.path());
    } else if (fs::is_regular_file(arg, ec)) {
      inputs.push_back(arg);
    } else {
      std::fprintf(stderr, "%s: %s: no such file or folder, skipped\n", argv[0], arg.c_str());
    }
  }
  std::sort(inputs.begin(), inputs.end());
  if (inputs.empty()) {
    std::fprintf(stderr, "%s: no inputs found\n", argv[0]);
    return 1;
  }
  if (expect_failure) {
    int fixed = 0;
    for (const auto& p : inputs) {
      const auto bytes = read_all(p);
      std::fflush(stderr);
      const pid_t child = ::fork();
      if (child == 0) {
        // The child's report is noise here: only whether it failed counts.
        std::freopen("/dev/null", "w", stderr);
        LLVMFuzzerTestOneInput(bytes.data(), bytes.size());
        std::_Exit(0);
      }
      int status = 0;
      ::waitpid(child, &status, 0);
      const bool broke = !(WIFEXITED(status) && WEXITSTATUS(status) == 0);
      std::fprintf(stderr, "%s: %s\n", p.c_str(), broke ? "still fails (known finding)" : "PASSES NOW");
      fixed += broke ? 0 : 1;
    }
    if (fixed > 0)
      std::fprintf(stderr, "%s: %d known finding(s) pass now: move them to regressions/ and drop them here\n",
                   argv[0], fixed);
    return fixed > 0 ? 1 : 0;
  }
  for (const auto& p : inputs) {
    const auto bytes = read_all(p);
    std::fprintf(stderr, "running %s (%zu bytes)\n", p.c_str(), bytes.size());
    LLVMFuzzerTestOneInput(bytes.data(), bytes.size());
  }
  std::fprintf(stderr, "%s: %zu inputs ran clean\n", argv[0], inputs.size());
  return 0;
}
