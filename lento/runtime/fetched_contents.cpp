#include "runtime/fetched_contents.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace izo::lento {

FetchedContents::~FetchedContents() {
  while (!held_.empty()) discard(held_.begin()->first);
}

Result<FetchedContents::Place> FetchedContents::make(std::uint64_t id, std::uint64_t size) {
  if (size <= limits_.memory_file && in_memory_ + size <= limits_.memory_total && open_ < limits_.open_files) {
    const int fd = ::memfd_create("izo-fetch", MFD_CLOEXEC);
    if (fd >= 0) {
      std::string token = "/proc/self/fd/" + std::to_string(fd);
      in_memory_ += size;
      ++open_;
      held_[token] = Held{fd, size, {}};
      return Place{std::move(token), fd};
    }
    // No memory file (an old kernel, a limit): a file does as well.
  }
  auto file = dir_ / std::to_string(id);
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Error{"cannot make " + file.string() + ": " + std::strerror(errno), 0};
  std::string token = file.string();
  ++open_;
  held_[token] = Held{fd, 0, file};
  return Place{std::move(token), fd};
}

bool FetchedContents::seal(const std::string& token) {
  auto it = held_.find(token);
  if (it == held_.end()) return false;
  Held& h = it->second;
  if (!h.file.empty() && h.fd >= 0) {
    ::close(h.fd);
    h.fd = -1;
    --open_;
  }
  return true;
}

bool FetchedContents::discard(const std::string& token) {
  auto it = held_.find(token);
  if (it == held_.end()) return false;
  if (it->second.fd >= 0) {
    ::close(it->second.fd);
    --open_;
  }
  in_memory_ -= it->second.memory;
  if (!it->second.file.empty()) {
    std::error_code ec;
    std::filesystem::remove(it->second.file, ec);
  }
  held_.erase(it);
  return true;
}

}  // namespace izo::lento
