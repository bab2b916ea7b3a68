// A KML on a real disk: open with recovery, append with group commit, report
// what is durable. The decisions (format, torn-tail rule, when to sync) come
// from protocol/; this file only does the I/O.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <vector>

#include "kml/group_commit.hpp"
#include "kml/record.hpp"
#include "kml/scan.hpp"
#include "util/result.hpp"

namespace izo::posix {

struct KmlFileOptions {
  kml::SyncPolicy sync;
  // Bytes of encoded records held in memory before they are written. 0 (the
  // default) writes every record to the kernel as it is appended, so a crash
  // of the process loses nothing the kernel accepted; only a crash of the
  // machine can lose what is not yet synced.
  std::size_t buffer_bytes = 0;
};

struct KmlOpenReport {
  kml::ScanReport scan;
  std::size_t cut_bytes = 0;  // torn tail removed on open
};

class KmlFile {
 public:
  // Opens the KML at `path`, creating it if absent, and takes an exclusive
  // lock on it. A torn tail is cut (and the cut synced) and reported; a
  // corrupt log is refused with the offset of its first bad record.
  static Result<KmlFile> open(const std::filesystem::path& path, KmlFileOptions options = {},
                              KmlOpenReport* report = nullptr);

  KmlFile(KmlFile&& other) noexcept;
  KmlFile& operator=(KmlFile&& other) noexcept;
  KmlFile(const KmlFile&) = delete;
  KmlFile& operator=(const KmlFile&) = delete;
  ~KmlFile();  // writes what is buffered; does not sync

  // Gives `r` the next record number, appends it and returns the number.
  // Writes and syncs as the options say. Throws std::invalid_argument for a
  // record that breaks the format's rules, std::length_error when the last
  // record number was 2^64-1, std::system_error on I/O failure
  // (after which the file is cut back to its last whole record).
  std::uint64_t append(kml::Record r);

  void flush();  // hand buffered records to the kernel
  void sync();   // flush, then fdatasync: everything appended is durable
  void tick();   // sync if the group-commit deadline has passed

  // sync() in three steps, for a caller that keeps appending from other
  // threads under its own lock: begin_sync() (under the lock) hands the
  // buffer to the kernel and returns the last record the sync covers
  // (nullopt: nothing to sync); the caller runs sync_data() without the
  // lock; end_sync() (under the lock again) records what became durable.
  std::optional<std::uint64_t> begin_sync();
  int sync_data() const;  // fdatasync; 0 or errno
  void end_sync(std::uint64_t through);

  // When tick() must be called at the latest (steady-clock ns), if at all.
  std::optional<std::int64_t> deadline() const { return commit_.deadline(); }

  std::uint64_t last_recno() const { return commit_.appended_recno(); }
  std::uint64_t durable_recno() const { return commit_.durable_recno(); }
  std::uint64_t size_bytes() const { return written_ + buffer_.size(); }
  const std::filesystem::path& path() const { return path_; }

 private:
  KmlFile(std::filesystem::path path, int fd, KmlFileOptions options, std::uint64_t last_recno,
          std::uint64_t size);
  void write_buffer();

  std::filesystem::path path_;
  int fd_ = -1;
  KmlFileOptions options_;
  kml::GroupCommit commit_;
  std::uint64_t written_ = 0;  // bytes in the file
  std::vector<std::uint8_t> buffer_;
};

// A read-only view of a whole file (mmap), for walking a KML.
class MappedFile {
 public:
  static Result<MappedFile> open(const std::filesystem::path& path);
  MappedFile(MappedFile&& other) noexcept;
  MappedFile& operator=(MappedFile&&) = delete;
  MappedFile(const MappedFile&) = delete;
  ~MappedFile();
  std::span<const std::uint8_t> bytes() const { return {data_, size_}; }

 private:
  MappedFile(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}
  const std::uint8_t* data_ = nullptr;
  std::size_t size_ = 0;
};

// Monotonic time in ns, the clock of group commit deadlines.
std::int64_t steady_now_ns();

}  // namespace izo::posix
