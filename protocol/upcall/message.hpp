// The messages between Presto and Lento (include/izo/upcall_format.h), as
// C++ values: encoded and decoded with every field checked, so a bad message
// from either side is refused with what is wrong and where.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "izo/upcall_format.h"
#include "kml/version.hpp"
#include "util/result.hpp"

namespace izo::upcall {

enum class Kind : std::uint16_t {
  attach = IZO_DOWN_ATTACH,
  permit_reply = IZO_DOWN_PERMIT_REPLY,
  fetch_reply = IZO_DOWN_FETCH_REPLY,
  revoke = IZO_DOWN_REVOKE,
  detach = IZO_DOWN_DETACH,
  journal = IZO_DOWN_JOURNAL,
  sync = IZO_DOWN_SYNC,
  attached = IZO_UP_ATTACHED,
  permit = IZO_UP_PERMIT,
  fetch = IZO_UP_FETCH,
  kml_written = IZO_UP_KML_WRITTEN,
  permit_returned = IZO_UP_PERMIT_RETURNED,
  journaled = IZO_UP_JOURNALED,
};

std::string_view kind_name(Kind k);
// Whether Lento sends this kind (else the filter does); nullopt if unknown.
std::optional<bool> from_lento(std::uint16_t kind);

struct Message {
  Kind kind = Kind::attach;
  std::uint32_t status = 0;  // replies: 0 or a positive errno
  std::uint64_t id = 0;      // request id; a reply carries its request's
  std::uint64_t recno = 0;   // attached, kml_written, journaled
  Version version;           // fetch: the version wanted; attached: {host id, 0}
  std::uint32_t pid = 0;     // permit, fetch: the process on whose behalf
  std::string fileset;
  std::string path;          // fetch: fileset-relative
  std::vector<std::uint8_t> data{};  // journal: one encoded KML record
  friend bool operator==(const Message&, const Message&) = default;
};

// What is wrong with `m` (unknown kind, bad fileset name, a path that leaves
// the fileset, a field its kind does not use), if anything.
std::optional<Error> check(const Message& m);

// The message's bytes; a message that fails check() is refused.
Result<std::vector<std::uint8_t>> encode(const Message& m);

// One whole message; trailing or missing bytes are an error.
Result<Message> decode(std::span<const std::uint8_t> bytes);

// For a stream: given its first bytes, the length of the message they start
// (nullopt until 8 bytes are there), or an error if they cannot start one.
Result<std::optional<std::size_t>> frame_length(std::span<const std::uint8_t> prefix);

}  // namespace izo::upcall
