// Where fetched file contents wait between their arrival and the engine's
// Discard of their token. A content up to `memory_limit` bytes, while the
// contents held in memory stay under `memory_budget` in all, lives in an
// anonymous memory file (memfd); a bigger one in a file under `dir`. Either
// way the token is a path the Store can open: "/proc/self/fd/N" for memory,
// DIR/N for a file. A reintegration of thousands of small files then
// creates and deletes no inode per file (ext4 pays for each recently
// deleted inode when it allocates the next one).
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>

#include "util/result.hpp"

namespace izo::lento {

class FetchedContents {
 public:
  FetchedContents(std::filesystem::path dir, std::uint64_t memory_limit, std::uint64_t memory_budget)
      : dir_(std::move(dir)), memory_limit_(memory_limit), memory_budget_(memory_budget) {}
  ~FetchedContents();
  FetchedContents(const FetchedContents&) = delete;
  FetchedContents& operator=(const FetchedContents&) = delete;

  struct Place {
    std::string token;
    int fd = -1;  // to write the content into; owned here until discard
  };
  // A place for `size` bytes, named after `id` when it is a file.
  Result<Place> make(std::uint64_t id, std::uint64_t size);
  // The content behind `token` is no longer needed; false if no such token.
  bool discard(const std::string& token);

  std::size_t held() const { return held_.size(); }
  std::uint64_t bytes_in_memory() const { return in_memory_; }

 private:
  struct Held {
    int fd = -1;
    std::uint64_t memory = 0;  // bytes counted against the budget (0: a file)
    std::filesystem::path file;
  };
  std::filesystem::path dir_;
  std::uint64_t memory_limit_, memory_budget_;
  std::uint64_t in_memory_ = 0;
  std::map<std::string, Held> held_;
};

}  // namespace izo::lento
