// The Store port: the fileset's tree as the replica engine sees and changes
// it. lento binds it to the wrapped filesystem, model/ and the tests to
// MemoryStore. Every call is synchronous and local; a runtime that must wait
// for data does so outside (fetches are effects, see engine.hpp).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "kml/record.hpp"
#include "util/result.hpp"

namespace izo::replica {

enum class ObjType : std::uint8_t { file, dir, symlink, node };

struct ObjectInfo {
  ObjType type = ObjType::file;
  Version version;
  std::uint32_t mode = 0;
  std::uint32_t uid = 0, gid = 0;
  std::uint64_t size = 0;
  std::string target;         // symlink only
  bool data_missing = false;  // file only: its content is not the version's yet
};

// Where an update came from: made here (its content is already here) or by a
// peer (a closed file's content must be fetched).
enum class Origin : std::uint8_t { local, remote };

class StoreView {
 public:
  virtual ~StoreView() = default;
  virtual std::optional<ObjectInfo> lookup(std::string_view path) const = 0;
  // Whether the directory at `dir` holds any name (the metadata folder at the
  // fileset root does not count). Asked only where it matters (rmdir), as it
  // may read the directory.
  virtual bool has_entries(std::string_view dir) const = 0;
  // The names in the directory at `dir`, as full fileset paths, in no
  // particular order (the metadata folder at the root left out); none if it
  // is not a directory. For conflict resolutions that must keep a tree.
  virtual std::vector<std::string> entries(std::string_view dir) const = 0;
  // Whether the files at `a` and `b` are both here, whole, and hold the same
  // bytes. For conflict copies: a copy's name taken already holds this
  // copy (made before a crash stopped the resolution) or something else.
  virtual bool same_content(std::string_view a, std::string_view b) const = 0;
};

class Store : public StoreView {
 public:
  // Carries out the update `r` describes and stamps the objects with its new
  // versions. The engine has already decided it applies (version_rule.hpp);
  // an update that is impossible in this tree (no parent, not empty, wrong
  // type) is refused with the reason and changes nothing.
  virtual std::optional<Error> apply(const kml::Record& r, Origin origin) = 0;

  // Makes `path` exactly the result of `r` whatever it holds now: conflict
  // resolution adopting the other side. Same refusals as apply.
  virtual std::optional<Error> force(const kml::Record& r) = 0;

  // Copies the content (and extended attributes) of the file at `from` into
  // the file `to`, just created for it. For conflict copies.
  virtual std::optional<Error> copy(std::string_view from, std::string_view to) = 0;

  // The content of `path` at `version` has arrived; `token` is the runtime's
  // handle for it (MemoryStore: the bytes). Ignored if the object moved on.
  // The file may count as missing until the next sync() (a store makes a
  // batch of contents durable at once before it drops their missing marks).
  virtual void install_data(std::string_view path, const Version& version,
                            std::string_view token) = 0;

  // Files whose content is missing (to fetch), with the version wanted.
  virtual std::vector<std::pair<std::string, Version>> missing_data() const = 0;

  // Everything applied so far survives a crash once this returns.
  virtual void sync() = 0;
};

}  // namespace izo::replica
