// A KML record in memory, and its encoding into the layout of
// include/izo/kml_format.h (specified in kml/FORMAT.md).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "izo/kml_format.h"
#include "kml/version.hpp"
#include "util/result.hpp"

namespace izo::kml {

enum class Op : std::uint16_t {
  noop = IZO_KML_NOOP,
  create = IZO_KML_CREATE,
  mkdir = IZO_KML_MKDIR,
  unlink = IZO_KML_UNLINK,
  rmdir = IZO_KML_RMDIR,
  rename = IZO_KML_RENAME,
  link = IZO_KML_LINK,
  symlink = IZO_KML_SYMLINK,
  mknod = IZO_KML_MKNOD,
  setattr = IZO_KML_SETATTR,
  close = IZO_KML_CLOSE,
  setxattr = IZO_KML_SETXATTR,
  delxattr = IZO_KML_DELXATTR,
};
inline constexpr std::size_t kOpCount = IZO_KML_OPCODE_COUNT;

std::string_view op_name(Op op);
std::optional<Op> op_from_name(std::string_view name);

// The process that made the update, as the original KML recorded it.
struct Identity {
  std::uint32_t pid = 0;
  std::uint32_t uid = 0;
  std::uint32_t gid = 0;
  friend bool operator==(const Identity&, const Identity&) = default;
};

// Attribute payload; `valid` (IZO_ATTR_*) says which fields a setattr sets.
struct Attrs {
  std::uint32_t valid = 0;
  std::uint32_t mode = 0;
  std::uint32_t uid = 0;
  std::uint32_t gid = 0;
  std::uint64_t size = 0;
  std::int64_t atime_ns = 0;
  std::int64_t mtime_ns = 0;
  std::uint64_t rdev = 0;
  friend bool operator==(const Attrs&, const Attrs&) = default;
};

struct Record {
  std::uint64_t recno = 0;
  Op op = Op::noop;
  std::uint32_t flags = 0;
  Identity writer;
  std::int64_t time_ns = 0;
  std::uint64_t origin = 0;        // the host whose update this is
  std::uint64_t origin_recno = 0;  // its number in the origin's KML (== recno there)

  Version obj_old, obj_new;          // the object, before and after
  Version parent_old, parent_new;    // the parent of `path`
  Version tparent_old, tparent_new;  // rename/link: the parent of `path2`
  Version target_old;                // rename: the object replaced at `path2`

  Attrs attrs;
  std::string path;   // fileset-relative; "" is the root (setattr/xattr only)
  std::string path2;  // rename/link: new name; symlink: target; xattr: name
  std::string data;   // setxattr: value

  friend bool operator==(const Record&, const Record&) = default;
};

// A close that leaves the file empty says its whole content: a replica that
// applies it has nothing to fetch.
inline bool closes_empty(const Record& r) {
  return r.op == Op::close && (r.attrs.valid & IZO_ATTR_SIZE) != 0 && r.attrs.size == 0;
}

// nullopt when `r` obeys every rule of FORMAT.md, else the first broken one.
std::optional<Error> check(const Record& r);

// Bytes the encoding of `r` takes.
std::size_t encoded_size(const Record& r);

// Appends the encoding of `r` to `out`. `r` must pass check(); a record that
// does not is refused with the reason and `out` is left as it was.
Result<std::size_t> encode(const Record& r, std::vector<std::uint8_t>& out);

// Decodes exactly one record that fills `bytes`, checking framing, checksum
// and every content rule. Offsets in errors are relative to bytes.data().
Result<Record> decode(std::span<const std::uint8_t> bytes);

}  // namespace izo::kml

namespace izo::kml {

// Checks that `bytes` is exactly one well-formed record (framing, checksum and
// every content rule), without allocating. Used by the log scanner.
std::optional<Error> validate(std::span<const std::uint8_t> bytes);

}  // namespace izo::kml
