#include "runtime/pushed_contents.hpp"

#include <algorithm>
#include <cstring>

#include "posix/write_all.hpp"
#include "replica/content_needs.hpp"

namespace izo::lento {

wire::PushContents gather_pushes(const posix::PosixStore& store, const std::string& fileset,
                                 std::span<const kml::Record> records, PushLimits limits) {
  wire::PushContents push;
  push.fileset = fileset;
  const std::uint64_t file_limit = std::min<std::uint64_t>(limits.file, wire::kMaxPushedFile);
  std::uint64_t total = 0;
  for (const auto& need : replica::content_needs(records)) {
    if (push.files.size() == wire::kMaxPushedFiles) break;
    auto content = store.read_content(need.path, need.version, std::min(file_limit, limits.total - total));
    if (!content) continue;
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
    if (const int e = posix::pwrite_all(place->fd, bytes.data(), bytes.size(), 0); e != 0) {
      places_.discard(place->token);
      mine.erase(key);
      return Error{"cannot keep the content pushed for '" + f.path + "': " + std::strerror(e), 0};
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
