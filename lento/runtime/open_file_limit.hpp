// How many descriptors lento may hold. Contents waiting for the engine hold
// one each (runtime/fetched_contents.hpp), so the daemon raises its soft
// limit to the hard one at start (it waits with epoll, never select, so a
// high limit is safe; systemd's 1024 soft limit is meant to be raised by
// such a program), and gives each fileset a share of it for those contents,
// leaving the rest to sockets, the journal and the store.
#pragma once

#include <cstddef>
#include <cstdint>

namespace izo::lento {

// Raises RLIMIT_NOFILE's soft limit to the hard one where it can; returns
// the soft limit in force afterwards.
std::uint64_t raise_open_file_limit();

// The descriptors each of `filesets` filesets may hold for waiting contents
// under a process limit of `limit`: a quarter of it, shared, and at least 16.
std::size_t content_files_per_fileset(std::uint64_t limit, std::size_t filesets);

}  // namespace izo::lento
