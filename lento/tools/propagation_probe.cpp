// izo-propagation-probe: the propagation latency of issue 6's benchmark.
// Writes a file on one replica's mount (open with O_TRUNC, write, close: what
// a shell's `echo N > f` does) and reads it back on another's until it holds
// the new content; prints p50, p99 and the maximum over N updates.
//
// The reader polls every --poll-us (default 200 us), so each figure may be up
// to that much late. A shell loop polling without a pause kept the reading
// replica's filter and a core busy and slowed what it measured.
#include <fcntl.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

bool write_file(const std::filesystem::path& p, const std::string& content) {
  const int fd = ::open(p.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return false;
  const bool ok = ::write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size());
  return ::close(fd) == 0 && ok;
}

bool holds(const std::filesystem::path& p, const std::string& content) {
  const int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  char buf[64];
  const auto n = ::read(fd, buf, sizeof buf);
  ::close(fd);
  return n == static_cast<ssize_t>(content.size()) && std::memcmp(buf, content.data(), content.size()) == 0;
}

double percentile(const std::vector<double>& sorted, double q) {
  return sorted[std::min(sorted.size() - 1, static_cast<std::size_t>(q * static_cast<double>(sorted.size())))];
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"izo-propagation-probe: time from a close on one replica until the content reads back on another"};
  std::filesystem::path from, to;
  unsigned updates = 1000, files = 50, poll_us = 200;
  double timeout_s = 10;
  app.add_option("--from", from, "the folder to write in (on one replica's mount)")->required()->check(CLI::ExistingDirectory);
  app.add_option("--to", to, "the same folder on another replica's mount")->required()->check(CLI::ExistingDirectory);
  app.add_option("-n,--updates", updates, "updates to time (default 1000)")->check(CLI::PositiveNumber);
  app.add_option("--files", files, "files written in turn (default 50)")->check(CLI::PositiveNumber);
  app.add_option("--poll-us", poll_us, "pause between reads on the other replica (default 200)");
  app.add_option("--timeout", timeout_s, "seconds one update may take before the probe gives up (default 10)")
      ->check(CLI::PositiveNumber);
  CLI11_PARSE(app, argc, argv);

  std::vector<double> ms;
  ms.reserve(updates);
  for (unsigned i = 1; i <= updates; ++i) {
    const std::string name = "f" + std::to_string(i % files);
    const std::string content = std::to_string(i) + "\n";
    const auto t0 = Clock::now();
    if (!write_file(from / name, content)) {
      std::fprintf(stderr, "izo-propagation-probe: cannot write %s: %s\n", (from / name).c_str(), std::strerror(errno));
      return 1;
    }
    while (!holds(to / name, content)) {
      if (Clock::now() - t0 > std::chrono::duration<double>(timeout_s)) {
        std::fprintf(stderr, "izo-propagation-probe: update %u did not reach %s within %g s\n", i,
                     (to / name).c_str(), timeout_s);
        return 1;
      }
      std::this_thread::sleep_for(std::chrono::microseconds(poll_us));
    }
    ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
  }
  std::sort(ms.begin(), ms.end());
  std::printf("p50 %.2f ms, p99 %.2f ms, max %.2f ms over %u updates (polled every %u us)\n", percentile(ms, 0.5),
              percentile(ms, 0.99), ms.back(), updates, poll_us);
  return 0;
}
