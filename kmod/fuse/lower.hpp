// The wrapped ("lower") directory tree of one fileset, reached only through a
// descriptor held on its root: every name is resolved relative to it, no
// descriptor is kept per object (the open-file limit here is 20000).
// Object versions live in an extended attribute of each object.
#pragma once

#include <sys/stat.h>

#include <optional>
#include <string>
#include <string_view>

#include "kml/version.hpp"
#include "posix/object_attrs.hpp"
#include "util/result.hpp"

namespace izo::presto {

// InterMezzo's own extended attributes (posix/object_attrs.hpp): hidden.
inline constexpr std::string_view kPrivatePrefix = posix::kPrivateXattrPrefix;

// The folder of metadata beside the fileset's files; not visible through the mount.
inline constexpr std::string_view kMetaDir = ".intermezzo";

// A path as FUSE gives it ("/", "/a/b") made fileset-relative ("", "a/b").
std::string relative(const char* fuse_path);

// Whether a fileset-relative path is the metadata folder or inside it.
bool is_private(std::string_view rel);

class Lower {
 public:
  // Opens the root of the wrapped tree; fails if it is not a directory.
  static Result<Lower> open(const std::string& root);
  Lower(Lower&&) noexcept;
  Lower& operator=(Lower&&) = delete;
  Lower(const Lower&) = delete;
  ~Lower();

  int root_fd() const { return fd_; }
  // The name to give *at() calls for `rel` ("." for the root).
  static const char* at(const std::string& rel) { return rel.empty() ? "." : rel.c_str(); }
  // A path naming `rel` for calls that have no *at() form (xattrs).
  std::string proc_path(const std::string& rel) const;

  // lstat of `rel`; -errno on failure.
  int stat(const std::string& rel, struct stat& st) const;

  // The version stamped on `rel` (none if unstamped or absent).
  Version version(const std::string& rel) const;
  Version version_of_fd(int fd) const;
  // Stamps `rel`; -errno on failure.
  int set_version(const std::string& rel, const Version& v) const;
  int set_version_of_fd(int fd, const Version& v) const;

 private:
  explicit Lower(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace izo::presto
