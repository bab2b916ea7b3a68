#include "runtime/open_file_limit.hpp"

#include <sys/resource.h>

#include <algorithm>

namespace izo::lento {

std::uint64_t raise_open_file_limit() {
  rlimit r{};
  if (::getrlimit(RLIMIT_NOFILE, &r) != 0) return 1024;
  if (r.rlim_cur != r.rlim_max) {
    rlimit raised = r;
    raised.rlim_cur = r.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) r = raised;
  }
  return r.rlim_cur == RLIM_INFINITY ? UINT64_MAX : static_cast<std::uint64_t>(r.rlim_cur);
}

std::size_t content_files_per_fileset(std::uint64_t limit, std::size_t filesets) {
  const std::uint64_t share = limit / 4 / std::max<std::size_t>(filesets, 1);
  return static_cast<std::size_t>(std::clamp<std::uint64_t>(share, 16, 1u << 20));
}

}  // namespace izo::lento
