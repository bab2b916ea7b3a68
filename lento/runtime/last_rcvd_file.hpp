// The engine's LastRcvd port in lento: HOLDING/.intermezzo/FILESET/last_rcvd,
// as JSON (counters per peer, the store's synced point, superseded records,
// conflicts waiting for a person). An empty file (mkizofs, or the HOWTO's
// `touch`) is a fresh fileset. persist() writes a new file, syncs it, renames
// it over the old one and syncs the folder: a crash leaves the old state or
// the new, never a mix.
#pragma once

#include <filesystem>

#include "replica/last_rcvd.hpp"
#include "util/result.hpp"

namespace izo::lento {

class LastRcvdFile final : public replica::LastRcvd {
 public:
  // Reads the file (creating it empty if absent); refuses one it cannot parse.
  static Result<std::unique_ptr<LastRcvdFile>> open(const std::filesystem::path& path);
  replica::LastRcvdState load() const override { return state_; }
  // Throws std::runtime_error if the state cannot be made durable.
  void persist(const replica::LastRcvdState& state) override;

  // For tests and tools.
  static std::string to_json(const replica::LastRcvdState& s);
  static Result<replica::LastRcvdState> from_json(const std::string& text);

 private:
  explicit LastRcvdFile(std::filesystem::path path) : path_(std::move(path)) {}
  std::filesystem::path path_;
  replica::LastRcvdState state_;
};

}  // namespace izo::lento
