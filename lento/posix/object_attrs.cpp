#include "posix/object_attrs.hpp"

#include <sys/xattr.h>

#include <cerrno>
#include <cstdint>

#include "util/bytes.hpp"

namespace izo::posix {
namespace {

constexpr std::size_t kBytes = 16;

Version decode(const std::uint8_t (&b)[kBytes], ssize_t n) {
  if (n != static_cast<ssize_t>(kBytes)) return Version{};
  return Version{get_le<std::uint64_t>(b), get_le<std::uint64_t>(b + 8)};
}

void encode(const Version& v, std::uint8_t (&b)[kBytes]) {
  put_le<std::uint64_t>(b, v.host);
  put_le<std::uint64_t>(b + 8, v.seq);
}

}  // namespace

Version read_version(const std::string& path) {
  std::uint8_t b[kBytes];
  return decode(b, ::lgetxattr(path.c_str(), kVersionXattr, b, kBytes));
}

Version read_version_fd(int fd) {
  std::uint8_t b[kBytes];
  return decode(b, ::fgetxattr(fd, kVersionXattr, b, kBytes));
}

int write_version(const std::string& path, const Version& v) {
  std::uint8_t b[kBytes];
  encode(v, b);
  return ::lsetxattr(path.c_str(), kVersionXattr, b, kBytes, 0) == 0 ? 0 : -errno;
}

int write_version_fd(int fd, const Version& v) {
  std::uint8_t b[kBytes];
  encode(v, b);
  return ::fsetxattr(fd, kVersionXattr, b, kBytes, 0) == 0 ? 0 : -errno;
}

bool content_missing(const std::string& path) {
  return ::lgetxattr(path.c_str(), kMissingXattr, nullptr, 0) >= 0;
}

bool content_missing_fd(int fd) { return ::fgetxattr(fd, kMissingXattr, nullptr, 0) >= 0; }

int mark_content_missing_fd(int fd, bool missing) {
  if (missing) return ::fsetxattr(fd, kMissingXattr, "", 0, 0) == 0 ? 0 : -errno;
  if (::fremovexattr(fd, kMissingXattr) == 0 || errno == ENODATA) return 0;
  return -errno;
}

int mark_content_missing(const std::string& path, bool missing) {
  if (missing) return ::lsetxattr(path.c_str(), kMissingXattr, "", 0, 0) == 0 ? 0 : -errno;
  if (::lremovexattr(path.c_str(), kMissingXattr) == 0 || errno == ENODATA) return 0;
  return -errno;
}

}  // namespace izo::posix
