// What InterMezzo keeps on each object of a fileset's tree, in extended
// attributes of the trusted.* namespace (only root can set them; they work on
// symlinks and on tmpfs): the object's version, and whether a file's content
// is still to be fetched. Shared by presto-fuse and lento's store.
#pragma once

#include <string>
#include <string_view>

#include "kml/version.hpp"

namespace izo::posix {

// 16 bytes, host then seq, little-endian.
inline constexpr const char* kVersionXattr = "trusted.izo.version";
// Present (empty) on a file whose content is not its version's yet.
inline constexpr const char* kMissingXattr = "trusted.izo.missing";
// Names under this prefix are InterMezzo's, never an application's.
inline constexpr std::string_view kPrivateXattrPrefix = "trusted.izo.";

// `path` is not followed if it is a symlink. None if unstamped or unreadable.
Version read_version(const std::string& path);
Version read_version_fd(int fd);
// 0 or -errno.
int write_version(const std::string& path, const Version& v);
int write_version_fd(int fd, const Version& v);

bool content_missing(const std::string& path);
bool content_missing_fd(int fd);
// Marks (or clears) the content of the file at `path` as missing; 0 or -errno.
int mark_content_missing(const std::string& path, bool missing);
int mark_content_missing_fd(int fd, bool missing);

}  // namespace izo::posix
