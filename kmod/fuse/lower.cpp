#include "lower.hpp"

#include <fcntl.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "util/bytes.hpp"

namespace izo::presto {
namespace {

constexpr std::size_t kVersionBytes = 16;

void encode_version(const Version& v, std::uint8_t (&out)[kVersionBytes]) {
  put_le<std::uint64_t>(out, v.host);
  put_le<std::uint64_t>(out + 8, v.seq);
}

Version decode_version(const std::uint8_t (&in)[kVersionBytes], ssize_t n) {
  if (n != static_cast<ssize_t>(kVersionBytes)) return Version{};
  return Version{get_le<std::uint64_t>(in), get_le<std::uint64_t>(in + 8)};
}

}  // namespace

std::string relative(const char* fuse_path) {
  std::string_view p = fuse_path ? fuse_path : "";
  while (!p.empty() && p.front() == '/') p.remove_prefix(1);
  return std::string(p);
}

bool is_private(std::string_view rel) {
  return rel.substr(0, kMetaDir.size()) == kMetaDir &&
         (rel.size() == kMetaDir.size() || rel[kMetaDir.size()] == '/');
}

std::string parent_of(std::string_view rel) {
  const auto slash = rel.rfind('/');
  return slash == std::string_view::npos ? std::string() : std::string(rel.substr(0, slash));
}

Result<Lower> Lower::open(const std::string& root) {
  const int fd = ::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Error{root + ": " + std::strerror(errno), 0};
  return Lower(fd);
}

Lower::Lower(Lower&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}

Lower::~Lower() {
  if (fd_ >= 0) ::close(fd_);
}

std::string Lower::proc_path(const std::string& rel) const {
  // The magic link must not be the last component: l*xattr would act on it.
  return "/proc/self/fd/" + std::to_string(fd_) + "/" + (rel.empty() ? std::string(".") : rel);
}

int Lower::stat(const std::string& rel, struct stat& st) const {
  return ::fstatat(fd_, at(rel), &st, AT_SYMLINK_NOFOLLOW) == 0 ? 0 : -errno;
}

Version Lower::version(const std::string& rel) const {
  std::uint8_t buf[kVersionBytes];
  const auto n = ::lgetxattr(proc_path(rel).c_str(), kVersionXattr, buf, sizeof buf);
  return decode_version(buf, n);
}

Version Lower::version_of_fd(int fd) const {
  std::uint8_t buf[kVersionBytes];
  const auto n = ::fgetxattr(fd, kVersionXattr, buf, sizeof buf);
  return decode_version(buf, n);
}

int Lower::set_version(const std::string& rel, const Version& v) const {
  std::uint8_t buf[kVersionBytes];
  encode_version(v, buf);
  return ::lsetxattr(proc_path(rel).c_str(), kVersionXattr, buf, sizeof buf, 0) == 0 ? 0 : -errno;
}

int Lower::set_version_of_fd(int fd, const Version& v) const {
  std::uint8_t buf[kVersionBytes];
  encode_version(v, buf);
  return ::fsetxattr(fd, kVersionXattr, buf, sizeof buf, 0) == 0 ? 0 : -errno;
}

}  // namespace izo::presto
