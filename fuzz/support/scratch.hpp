// A scratch folder for a fuzz target that needs real files: made once per
// process under /dev/shm (memory, so syncs cost nothing) or $TMPDIR, removed
// with everything in it when the process exits normally.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>

namespace izo::fuzz {

class Scratch {
 public:
  explicit Scratch(const std::string& name);
  ~Scratch();
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// Writes data[0..size) as the whole content of the file at `path`.
void write_file(const std::filesystem::path& path, const std::uint8_t* data, std::size_t size);

}  // namespace izo::fuzz
