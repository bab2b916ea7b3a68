#include "lower.hpp"

#include <fcntl.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>


namespace izo::presto {

std::string relative(const char* fuse_path) {
  std::string_view p = fuse_path ? fuse_path : "";
  while (!p.empty() && p.front() == '/') p.remove_prefix(1);
  return std::string(p);
}

bool is_private(std::string_view rel) {
  return rel.substr(0, kMetaDir.size()) == kMetaDir &&
         (rel.size() == kMetaDir.size() || rel[kMetaDir.size()] == '/');
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

Version Lower::version(const std::string& rel) const { return posix::read_version(proc_path(rel)); }

Version Lower::version_of_fd(int fd) const { return posix::read_version_fd(fd); }

int Lower::set_version(const std::string& rel, const Version& v) const {
  return posix::write_version(proc_path(rel), v);
}

int Lower::set_version_of_fd(int fd, const Version& v) const { return posix::write_version_fd(fd, v); }

}  // namespace izo::presto
