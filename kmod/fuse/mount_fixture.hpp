// A presto-fuse mount for tests: a fresh holding folder and mountpoint, the
// filter started as a child process, waited for, and stopped (unmounted)
// within bounded time. Test-only.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "kml/record.hpp"
#include "kml/scan.hpp"
#include "posix/temp_dir.hpp"

namespace izo::presto::testing {

// Why FUSE mounts cannot run here (no /dev/fuse, not root), if so.
std::optional<std::string> fuse_unavailable();

class Mount {
 public:
  // Journaling only, unless `with_lento`: then updates wait for a Lento on socket().
  explicit Mount(std::vector<std::string> extra_args = {}, bool with_lento = false);
  ~Mount();
  Mount(const Mount&) = delete;
  Mount& operator=(const Mount&) = delete;

  // Starts the filter on the same folders (after stop() or kill9()).
  void start();
  // Unmounts cleanly (SIGTERM), waiting at most 10 s; returns the exit status.
  int stop();
  // Kills the filter with SIGKILL and detaches the dead mount.
  void kill9();

  const std::filesystem::path& holding() const { return holding_; }
  const std::filesystem::path& mnt() const { return mnt_; }
  std::filesystem::path kml() const { return holding_ / ".intermezzo" / "shared" / "kml"; }
  std::filesystem::path socket() const { return holding_ / ".intermezzo" / "shared" / "presto.sock"; }
  // The journal's records, read from the file (the filter may run). Throws
  // if the tail is not clean, unless `tail` is given: then it says how the
  // journal ends (a filter killed mid-append may leave a torn record).
  std::vector<kml::Record> records(kml::Tail* tail = nullptr) const;
  // What the filter wrote on stderr so far.
  std::string log() const;

 private:
  posix::TempDir dir_{"presto-fuse-test"};
  std::filesystem::path holding_, mnt_, log_;
  std::vector<std::string> extra_;
  bool lento_ = false;
  pid_t pid_ = -1;
};

}  // namespace izo::presto::testing
