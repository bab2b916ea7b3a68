// The engine's LastRcvd port in lento: HOLDING/.intermezzo/FILESET/last_rcvd
// (counters per peer, the store's synced point, superseded records,
// conflicts waiting for a person, as JSON). An empty file (mkizofs, or the
// HOWTO's `touch`) is a fresh fileset.
//
// The file holds two slots of C bytes each (C a power of two, at least
// 4 KiB, written in full with zeros when the file is made, so that writing
// a slot later changes no file metadata). A slot is a header ("IZLRSLOT",
// sequence number, length, CRC32C of sequence, length and payload; 32 bytes
// little-endian) and the JSON. persist() writes the state with the next
// sequence number into the slot that holds the older one and fdatasyncs it:
// one sync of data, no new inode, no rename. A crash tearing that slot leaves
// the other, the previous state, which open() then reads. A state that
// outgrows its slot, and the first persist after an empty file or a file in
// the older whole-JSON form, rewrite the file bigger: written aside, synced,
// renamed over, folder synced.
#pragma once

#include <filesystem>
#include <optional>

#include "replica/last_rcvd.hpp"
#include "util/result.hpp"

namespace izo::lento {

class LastRcvdFile final : public replica::LastRcvd {
 public:
  // Reads the file (creating it empty if absent); refuses one it cannot parse
  // or whose two slots are both damaged.
  static Result<std::unique_ptr<LastRcvdFile>> open(const std::filesystem::path& path);
  ~LastRcvdFile() override;
  LastRcvdFile(const LastRcvdFile&) = delete;
  LastRcvdFile& operator=(const LastRcvdFile&) = delete;
  replica::LastRcvdState load() const override { return state_; }
  // Throws std::runtime_error if the state cannot be made durable.
  void persist(const replica::LastRcvdState& state) override;

  // For tests and tools.
  static std::string to_json(const replica::LastRcvdState& s);
  static Result<replica::LastRcvdState> from_json(const std::string& text);

 private:
  explicit LastRcvdFile(std::filesystem::path path) : path_(std::move(path)) {}
  std::optional<Error> read_slots(const std::string& bytes);
  void rewrite(const std::string& slot);  // into a new file, slots big enough for it
  std::filesystem::path path_;
  replica::LastRcvdState state_;
  int fd_ = -1;                 // the slotted file, once there is one
  std::uint64_t slot_size_ = 0;
  std::uint64_t seq_ = 0;       // of the newest slot
};

}  // namespace izo::lento
