// Writes all of a buffer to a file at an offset, retrying on EINTR and short
// writes: 0, or the errno (EIO if the file took nothing).
#pragma once

#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>

namespace izo::posix {

inline int pwrite_all(int fd, const void* data, std::size_t size, std::uint64_t at) {
  const auto* p = static_cast<const char*>(data);
  for (std::size_t done = 0; done < size;) {
    const auto n = ::pwrite(fd, p + done, size - done, static_cast<off_t>(at + done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno;
    if (n == 0) return EIO;
    done += static_cast<std::size_t>(n);
  }
  return 0;
}

}  // namespace izo::posix
