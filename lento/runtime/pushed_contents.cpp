#include "runtime/pushed_contents.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "replica/content_needs.hpp"

namespace izo::lento {

namespace {

// The whole file behind `fd` if it has at most `limit` bytes.
std::optional<std::string> read_small(int fd, std::uint64_t limit) {
  struct stat st {};
  if (::fstat(fd, &st) != 0 || static_cast<std::uint64_t>(st.st_size) > limit) return std::nullopt;
  std::string out(static_cast<std::size_t>(st.st_size), '\0');
  std::size_t got = 0;
  while (got < out.size()) {
    const auto n = ::pread(fd, out.data() + got, out.size() - got, static_cast<off_t>(got));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return std::nullopt;  // cut short while read: not this version's whole content
    got += static_cast<std::size_t>(n);
  }
  char more;
  if (::pread(fd, &more, 1, static_cast<off_t>(got)) != 0) return std::nullopt;  // grew meanwhile
  return out;
}

}  // namespace

wire::PushContents gather_pushes(const posix::PosixStore& store, const std::string& fileset,
                                 std::span<const kml::Record> records, PushLimits limits) {
  wire::PushContents push;
  push.fileset = fileset;
  const std::uint64_t file_limit = std::min<std::uint64_t>(limits.file, wire::kMaxPushedFile);
  std::uint64_t total = 0;
  for (const auto& need : replica::content_needs(records)) {
    if (push.files.size() == wire::kMaxPushedFiles) break;
    const auto here = store.lookup(need.path);
    if (!here || here->type != replica::ObjType::file || here->data_missing || here->version != need.version ||
        here->size > file_limit || total + here->size > limits.total)
      continue;
    const int fd = store.open_for_read(need.path);
    if (fd < 0) continue;
    auto content = read_small(fd, file_limit);
    ::close(fd);
    // A writer may have moved the file on while it was read: then this is
    // not that version's content, and the receiver fetches what it needs.
    const auto after = store.lookup(need.path);
    if (!content || !after || after->version != need.version || after->data_missing) continue;
    if (total + content->size() > limits.total) continue;
    total += content->size();
    push.files.push_back(wire::PushedFile{need.path, need.version, wire::Blob{std::move(*content)}});
  }
  return push;
}

PushedContents::~PushedContents() {
  while (!held_.empty()) drop(held_.begin()->first);
}

std::optional<Error> PushedContents::receive(replica::HostId from, const wire::PushContents& push,
                                             std::uint64_t& next_id) {
  drop(from);
  auto& mine = held_[from];
  for (const auto& f : push.files) {
    auto place = places_.make(next_id++, f.content.bytes.size());
    if (!place) return place.error();
    const auto key = std::make_pair(f.path, f.version);
    if (auto old = mine.find(key); old != mine.end()) places_.discard(old->second);  // pushed twice: the last counts
    mine[key] = place->token;
    const auto& bytes = f.content.bytes;
    for (std::size_t done = 0; done < bytes.size();) {
      const auto n = ::write(place->fd, bytes.data() + done, bytes.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        const std::string why = n < 0 ? std::strerror(errno) : "nothing written";
        places_.discard(place->token);
        mine.erase(key);
        return Error{"cannot keep the content pushed for '" + f.path + "': " + why, 0};
      }
      done += static_cast<std::size_t>(n);
    }
    places_.seal(place->token);
  }
  return std::nullopt;
}

std::optional<std::string> PushedContents::take(replica::HostId from, const std::string& path,
                                                const Version& version) {
  auto peer = held_.find(from);
  if (peer == held_.end()) return std::nullopt;
  auto it = peer->second.find(std::make_pair(path, version));
  if (it == peer->second.end()) return std::nullopt;
  std::string token = std::move(it->second);
  peer->second.erase(it);
  return token;
}

std::size_t PushedContents::drop(replica::HostId from) {
  auto peer = held_.find(from);
  if (peer == held_.end()) return 0;
  const std::size_t n = peer->second.size();
  for (const auto& [key, token] : peer->second) places_.discard(token);
  held_.erase(peer);
  return n;
}

std::size_t PushedContents::held() const {
  std::size_t n = 0;
  for (const auto& [peer, files] : held_) n += files.size();
  return n;
}

}  // namespace izo::lento
