// Where fetched file contents wait between their arrival and the engine's
// Discard of their token. A content up to `memory_file` bytes, while the
// contents held in memory stay under `memory_total` in all and fewer than
// `open_files` descriptors are held, lives in an anonymous memory file
// (memfd); any other in a file under `dir`, whose descriptor is closed once
// the content is whole (seal). Either way the token is a path the Store can
// open: "/proc/self/fd/N" for memory, DIR/N for a file. A reintegration of
// thousands of small files then creates and deletes no inode per file (ext4
// pays for each recently deleted inode when it allocates the next one), and
// however many contents a batch waits for, lento holds a bounded number of
// descriptors (one per content ran a server out of them under the common
// limit of 1024, and it stopped its fileset).
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>

#include "util/result.hpp"

namespace izo::lento {

struct ContentLimits {
  std::uint64_t memory_file = 4u << 20;     // a bigger content waits in a file
  std::uint64_t memory_total = 256u << 20;  // all contents held in memory
  std::size_t open_files = 256;             // descriptors held at once
};

class FetchedContents {
 public:
  FetchedContents(std::filesystem::path dir, ContentLimits limits) : dir_(std::move(dir)), limits_(limits) {}
  ~FetchedContents();
  FetchedContents(const FetchedContents&) = delete;
  FetchedContents& operator=(const FetchedContents&) = delete;

  struct Place {
    std::string token;
    int fd = -1;  // to write the content into; owned here, valid until seal or discard
  };
  // A place for `size` bytes, named after `id` when it is a file.
  Result<Place> make(std::uint64_t id, std::uint64_t size);
  // The content behind `token` is whole: a file's descriptor is closed (a
  // memory file keeps its own, it is the content). False if no such token.
  bool seal(const std::string& token);
  // The content behind `token` is no longer needed; false if no such token.
  bool discard(const std::string& token);

  std::size_t held() const { return held_.size(); }
  std::size_t open_files() const { return open_; }
  std::uint64_t bytes_in_memory() const { return in_memory_; }

 private:
  struct Held {
    int fd = -1;               // -1 once a file is sealed
    std::uint64_t memory = 0;  // bytes counted against memory_total (0: a file)
    std::filesystem::path file;
  };
  std::filesystem::path dir_;
  ContentLimits limits_;
  std::uint64_t in_memory_ = 0;
  std::size_t open_ = 0;
  std::map<std::string, Held> held_;
};

}  // namespace izo::lento
