// Writes all of `bytes` to a stream socket, retrying on EINTR and short
// writes; false if the peer is gone. (No SIGPIPE: MSG_NOSIGNAL.)
#pragma once

#include <sys/socket.h>

#include <cerrno>
#include <cstdint>
#include <span>

namespace izo::posix {

inline bool send_all(int fd, std::span<const std::uint8_t> bytes) {
  for (std::size_t done = 0; done < bytes.size();) {
    const auto n = ::send(fd, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

}  // namespace izo::posix
