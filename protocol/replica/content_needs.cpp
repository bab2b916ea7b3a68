#include "replica/content_needs.hpp"

#include <map>
#include <optional>
#include <set>

#include "util/fileset_path.hpp"

namespace izo::replica {

namespace {

using kml::Op;

// One closed file followed through the batch under its names.
struct Chain {
  ContentNeed need;
  std::set<std::string> names;
};

class Tracker {
 public:
  void close(std::size_t i, const kml::Record& r) {
    if (auto* c = chain_at(r.path)) {
      // Closed again: the whole new content is what counts. The names stay
      // with the file, and so does the first close the batch made.
      c->need.last = i;
      c->need.version = r.obj_new;
      return;
    }
    const auto id = next_id_++;
    chains_[id] = Chain{ContentNeed{i, i, r.path, r.obj_new}, {r.path}};
    name_[r.path] = id;
  }

  // Emptied: whatever the batch wrote into the file before, nothing is needed.
  void empty(const std::string& path) {
    auto it = name_.find(path);
    if (it == name_.end()) return;
    const auto id = it->second;
    for (const auto& n : chains_.at(id).names) name_.erase(n);
    chains_.erase(id);
  }

  // Versions move on; the content stays (a truncate keeps its prefix).
  void touch(std::size_t i, const std::string& path, const Version& v) {
    if (auto* c = chain_at(path)) {
      c->need.last = i;
      c->need.version = v;
    }
  }

  void remove(const std::string& path) {
    auto it = name_.find(path);
    if (it == name_.end()) return;
    auto& c = chains_.at(it->second);
    c.names.erase(path);
    if (c.names.empty()) {
      chains_.erase(it->second);
    } else if (c.need.path == path) {
      c.need.path = *c.names.begin();
    }
    name_.erase(it);
  }

  void link(std::size_t i, const kml::Record& r) {
    remove(r.path2);
    auto it = name_.find(r.path);
    if (it == name_.end()) return;
    auto& c = chains_.at(it->second);
    c.names.insert(r.path2);
    c.need.path = r.path2;
    name_[r.path2] = it->second;
    touch(i, r.path, r.obj_new);
  }

  // A rename moves the file, or everything under a directory.
  void rename(std::size_t i, const kml::Record& r) {
    remove(r.path2);
    std::vector<std::pair<std::string, std::uint64_t>> moved;
    for (auto it = name_.begin(); it != name_.end();) {
      if (at_or_under(it->first, r.path)) {
        moved.emplace_back(r.path2 + it->first.substr(r.path.size()), it->second);
        chains_.at(it->second).names.erase(it->first);
        it = name_.erase(it);
      } else {
        ++it;
      }
    }
    for (auto& [name, id] : moved) {
      auto& c = chains_.at(id);
      c.names.insert(name);
      if (!c.names.contains(c.need.path)) c.need.path = name;
      name_[name] = id;
    }
    touch(i, r.path2, r.obj_new);
  }

  std::vector<ContentNeed> needs() {
    std::vector<ContentNeed> out;
    for (const auto& [id, c] : chains_) out.push_back(c.need);
    return out;  // chains_ is ordered by id, ids by first close
  }

 private:
  Chain* chain_at(const std::string& path) {
    auto it = name_.find(path);
    return it == name_.end() ? nullptr : &chains_.at(it->second);
  }

  std::map<std::uint64_t, Chain> chains_;
  std::map<std::string, std::uint64_t> name_;
  std::uint64_t next_id_ = 0;
};

}  // namespace

std::vector<ContentNeed> content_needs(std::span<const kml::Record> batch, std::size_t from) {
  Tracker t;
  for (std::size_t i = from; i < batch.size(); ++i) {
    const auto& r = batch[i];
    switch (r.op) {
      case Op::close:
        if (kml::closes_empty(r)) {
          t.empty(r.path);
        } else {
          t.close(i, r);
        }
        break;
      case Op::setattr:
      case Op::setxattr:
      case Op::delxattr: t.touch(i, r.path, r.obj_new); break;
      case Op::rename: t.rename(i, r); break;
      case Op::link: t.link(i, r); break;
      case Op::unlink:
      case Op::rmdir:
      case Op::create:
      case Op::mkdir:
      case Op::symlink:
      case Op::mknod: t.remove(r.path); break;
      case Op::noop: break;
    }
  }
  return t.needs();
}

}  // namespace izo::replica
