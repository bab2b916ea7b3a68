#include "replica/memory_store.hpp"

#include <sstream>

#include "util/fileset_path.hpp"

namespace izo::replica {
namespace {

// A data version no object has: the content is to be fetched.
constexpr Version kUnknownData{0, ~std::uint64_t{0}};

using kml::Op;

Error fail(std::string_view path, std::string why) {
  return Error{std::string(path) + ": " + std::move(why), 0};
}

bool under(std::string_view path, std::string_view dir) {
  return dir.empty() ? !path.empty()
                     : path.size() > dir.size() && path.substr(0, dir.size()) == dir &&
                           path[dir.size()] == '/';
}

char type_letter(ObjType t) {
  switch (t) {
    case ObjType::file: return 'f';
    case ObjType::dir: return 'd';
    case ObjType::symlink: return 'l';
    case ObjType::node: return 'n';
  }
  return '?';
}

ObjType type_for(Op op) {
  switch (op) {
    case Op::mkdir: return ObjType::dir;
    case Op::symlink: return ObjType::symlink;
    case Op::mknod: return ObjType::node;
    default: return ObjType::file;
  }
}

}  // namespace

MemoryStore::MemoryStore() {
  Inode root;
  root.type = ObjType::dir;
  root.mode = 040755;
  live_.names.emplace("", 0);
  live_.inodes.emplace(0, root);
  durable_ = live_;
}

MemoryStore::Inode* MemoryStore::find(std::string_view path) {
  auto it = live_.names.find(path);
  return it == live_.names.end() ? nullptr : &live_.inodes.at(it->second);
}

const MemoryStore::Inode* MemoryStore::find(std::string_view path) const {
  auto it = live_.names.find(path);
  return it == live_.names.end() ? nullptr : &live_.inodes.at(it->second);
}

bool MemoryStore::has_entries(std::string_view dir) const {
  // Names under "d" sort after "d/", and a sibling such as "d.txt" or "d-1"
  // can sort between "d" and them.
  if (dir.empty()) return live_.names.size() > 1;  // anything but the root
  auto it = live_.names.lower_bound(std::string(dir) + "/");
  return it != live_.names.end() && under(it->first, dir);
}

std::vector<std::string> MemoryStore::entries(std::string_view dir) const {
  std::vector<std::string> out;
  const std::string from = dir.empty() ? std::string() : std::string(dir) + "/";
  for (auto it = live_.names.lower_bound(from); it != live_.names.end(); ++it) {
    const std::string& name = it->first;
    if (name.compare(0, from.size(), from) != 0) break;
    if (name.size() == from.size()) continue;  // the root itself
    if (name.find('/', from.size()) == std::string::npos) out.push_back(name);
  }
  return out;
}

bool MemoryStore::same_content(std::string_view a, std::string_view b) const {
  const auto x = content(a), y = content(b);
  return x && y && *x == *y;
}

std::optional<ObjectInfo> MemoryStore::lookup(std::string_view path) const {
  const Inode* ino = find(path);
  if (!ino) return std::nullopt;
  ObjectInfo info;
  info.type = ino->type;
  info.version = ino->version;
  info.mode = ino->mode;
  info.uid = ino->uid;
  info.gid = ino->gid;
  info.size = ino->size;
  info.target = ino->target;
  info.data_missing = ino->type == ObjType::file && ino->data_version != ino->version;
  return info;
}

std::optional<Error> MemoryStore::add(const std::string& path, Inode inode) {
  const Inode* parent = find(parent_path(path));
  if (!parent) return fail(path, "parent directory does not exist");
  if (parent->type != ObjType::dir) return fail(path, "parent is not a directory");
  if (find(path)) return fail(path, "exists");
  const auto ino = live_.next_ino++;
  live_.inodes.emplace(ino, std::move(inode));
  live_.names.emplace(path, ino);
  return std::nullopt;
}

std::optional<Error> MemoryStore::remove(const std::string& path, bool dir) {
  auto it = live_.names.find(path);
  if (it == live_.names.end()) return fail(path, "does not exist");
  if (path.empty()) return fail(path, "the fileset root cannot be removed");
  const auto ino = it->second;
  const bool is_dir = live_.inodes.at(ino).type == ObjType::dir;
  if (dir && !is_dir) return fail(path, "not a directory");
  if (!dir && is_dir) return fail(path, "is a directory");
  if (is_dir && has_entries(path)) return fail(path, "directory not empty");
  live_.names.erase(it);
  for (const auto& [name, other] : live_.names)
    if (other == ino) return std::nullopt;  // still linked elsewhere
  live_.inodes.erase(ino);
  return std::nullopt;
}

std::optional<Error> MemoryStore::move(const std::string& from, const std::string& to) {
  if (from == to) return std::nullopt;
  if (under(to, from)) return fail(to, "cannot move a directory into itself");
  if (!find(from)) return fail(from, "does not exist");
  const Inode* tparent = find(parent_path(to));
  if (!tparent || tparent->type != ObjType::dir) return fail(to, "target directory does not exist");
  if (const Inode* existing = find(to)) {
    const bool src_dir = find(from)->type == ObjType::dir;
    if ((existing->type == ObjType::dir) != src_dir) return fail(to, "file/directory mismatch");
    if (auto e = remove(to, src_dir)) return e;
  }
  std::vector<std::pair<std::string, std::uint64_t>> moved;
  for (auto it = live_.names.find(from); it != live_.names.end();) {
    if (it->first != from && !under(it->first, from)) break;
    moved.emplace_back(to + it->first.substr(from.size()), it->second);
    it = live_.names.erase(it);
  }
  for (auto& m : moved) live_.names.insert(std::move(m));
  return std::nullopt;
}

std::optional<Error> MemoryStore::set_attrs(const kml::Record& r, Inode& ino, Origin origin) {
  const auto& a = r.attrs;
  if (a.valid & IZO_ATTR_MODE) ino.mode = a.mode;
  if (a.valid & IZO_ATTR_UID) ino.uid = a.uid;
  if (a.valid & IZO_ATTR_GID) ino.gid = a.gid;
  if (a.valid & IZO_ATTR_ATIME) ino.atime_ns = a.atime_ns;
  if (a.valid & IZO_ATTR_MTIME) ino.mtime_ns = a.mtime_ns;
  const bool content_known = ino.data_version == ino.version;
  if (a.valid & IZO_ATTR_SIZE) {
    if (ino.type != ObjType::file) return fail(r.path, "size change on a non-file");
    ino.size = a.size;
    if (r.op == Op::setattr && content_known) ino.data.resize(a.size);  // truncate is data
  }
  ino.version = r.obj_new;
  // A local close leaves the content the application wrote; a truncate keeps
  // known content known; a remote close makes the content something to fetch,
  // unless it left the file empty.
  const bool emptied = origin == Origin::remote && kml::closes_empty(r);
  if (emptied) ino.data.clear();
  const bool keep = origin == Origin::local || emptied || (r.op != Op::close && content_known);
  if (ino.type == ObjType::file && keep) ino.data_version = ino.version;
  if (ino.type == ObjType::file && !keep && r.op == Op::close) ino.data_version = kUnknownData;
  return std::nullopt;
}

std::optional<Error> MemoryStore::apply(const kml::Record& r, Origin origin) {
  return changed(apply_here(r, origin));
}

std::optional<Error> MemoryStore::force(const kml::Record& r) { return changed(force_here(r)); }

std::optional<Error> MemoryStore::copy(std::string_view from, std::string_view to) {
  return changed(copy_here(from, to));
}

std::optional<Error> MemoryStore::changed(std::optional<Error> outcome) {
  if (!outcome && on_change) on_change();
  return outcome;
}

void MemoryStore::sync() {
  durable_ = live_;
  dirty_ = false;
  ++syncs_;
  if (on_change) on_change();
}

std::optional<Error> MemoryStore::apply_here(const kml::Record& r, Origin origin) {
  dirty_ = true;
  switch (r.op) {
    case Op::noop: return std::nullopt;
    case Op::create:
    case Op::mkdir:
    case Op::symlink:
    case Op::mknod: {
      Inode ino;
      ino.type = type_for(r.op);
      ino.version = r.obj_new;
      ino.data_version = r.obj_new;  // a new file is empty, and that is known
      ino.mode = r.attrs.mode;
      ino.uid = r.writer.uid;
      ino.gid = r.writer.gid;
      ino.rdev = r.attrs.rdev;
      if (r.op == Op::symlink) ino.target = r.path2;
      return add(r.path, std::move(ino));
    }
    case Op::unlink: return remove(r.path, false);
    case Op::rmdir: return remove(r.path, true);
    case Op::rename: {
      if (auto e = move(r.path, r.path2)) return e;
      Inode& moved = *find(r.path2);
      const bool known = moved.data_version == moved.version;
      moved.version = r.obj_new;
      if (known) moved.data_version = moved.version;  // a rename does not touch content
      return std::nullopt;
    }
    case Op::link: {
      auto it = live_.names.find(r.path);
      if (it == live_.names.end()) return fail(r.path, "does not exist");
      if (live_.inodes.at(it->second).type == ObjType::dir) return fail(r.path, "cannot link a directory");
      const Inode* parent = find(parent_path(r.path2));
      if (!parent || parent->type != ObjType::dir) return fail(r.path2, "parent directory does not exist");
      if (find(r.path2)) return fail(r.path2, "exists");
      const auto ino = it->second;
      live_.names.emplace(r.path2, ino);
      Inode& node = live_.inodes.at(ino);
      const bool known = node.data_version == node.version;
      node.version = r.obj_new;
      if (known) node.data_version = node.version;
      return std::nullopt;
    }
    case Op::setattr:
    case Op::close: {
      Inode* ino = find(r.path);
      if (!ino) return fail(r.path, "does not exist");
      return set_attrs(r, *ino, origin);
    }
    case Op::setxattr:
    case Op::delxattr: {
      Inode* ino = find(r.path);
      if (!ino) return fail(r.path, "does not exist");
      if (r.op == Op::setxattr) {
        ino->xattrs[r.path2] = r.data;
      } else {
        ino->xattrs.erase(r.path2);
      }
      const bool known = ino->data_version == ino->version;
      ino->version = r.obj_new;
      if (known) ino->data_version = ino->version;
      return std::nullopt;
    }
  }
  return fail(r.path, "unknown operation");
}

std::optional<Error> MemoryStore::force_here(const kml::Record& r) {
  dirty_ = true;
  // Whatever this replica holds that is not the record's base is discarded:
  // a conflict resolution keeps it elsewhere first. Content that cannot be
  // derived from the base is marked missing, to be fetched.
  switch (r.op) {
    case Op::create:
    case Op::mkdir:
    case Op::symlink:
    case Op::mknod:
      if (const Inode* ino = find(r.path)) {
        if (auto e = remove(r.path, ino->type == ObjType::dir)) return e;
      }
      return apply(r, Origin::remote);
    case Op::unlink:
    case Op::rmdir:
      if (const Inode* ino = find(r.path)) return remove(r.path, ino->type == ObjType::dir);
      return std::nullopt;
    case Op::rename:
    case Op::link: {
      const Inode* src = find(r.path);
      const Inode* dst = find(r.path2);
      const bool clean_target = !dst || (r.op == Op::rename && dst->version == r.target_old);
      if (src && src->version == r.obj_old && clean_target) return apply(r, Origin::remote);
      if (r.op == Op::rename && src) {
        if (auto e = remove(r.path, src->type == ObjType::dir)) return e;
      }
      break;
    }
    default:
      break;
  }
  // The object must end at the record's new version: made afresh if this
  // replica lost it or holds something else, its content fetched.
  const std::string& path = r.op == Op::rename || r.op == Op::link ? r.path2 : r.path;
  if (!find(path)) {
    // Made afresh from an update that does not describe the whole object:
    // the owner is the update's writer, the mode a plain file's (the fetch
    // brings the content; attributes beyond these are a known gap).
    Inode ino;
    ino.mode = 0100644;
    ino.uid = r.writer.uid;
    ino.gid = r.writer.gid;
    if (auto e = add(path, std::move(ino))) return e;
  }
  Inode& ino = *find(path);
  const bool based = ino.version == r.obj_old;
  if (!based) ino.data_version = kUnknownData;  // not derivable: fetch
  if (r.op == Op::setattr || r.op == Op::close) return set_attrs(r, ino, Origin::remote);
  if (r.op == Op::setxattr) ino.xattrs[r.path2] = r.data;
  if (r.op == Op::delxattr) ino.xattrs.erase(r.path2);
  const bool known = ino.data_version == ino.version;
  ino.version = r.obj_new;
  if (known) ino.data_version = ino.version;
  return std::nullopt;
}

std::optional<Error> MemoryStore::copy_here(std::string_view from, std::string_view to) {
  const Inode* src = find(from);
  if (!src) return fail(from, "does not exist");
  Inode* dst = find(to);
  if (!dst) return fail(to, "does not exist");
  if (src->type != ObjType::file || dst->type != ObjType::file) return fail(from, "not a file");
  if (src->data_version != src->version) return fail(from, "content not here yet");
  dirty_ = true;
  dst->data = src->data;
  dst->size = src->size;
  dst->mtime_ns = src->mtime_ns;
  dst->xattrs = src->xattrs;
  return std::nullopt;
}

void MemoryStore::install_data(std::string_view path, const Version& version, std::string_view token) {
  Inode* ino = find(path);
  if (!ino || ino->type != ObjType::file || ino->version != version) return;
  dirty_ = true;
  ino->data.assign(token);
  ino->size = token.size();
  ino->data_version = version;
  if (on_change) on_change();
}

std::vector<std::pair<std::string, Version>> MemoryStore::missing_data() const {
  std::vector<std::pair<std::string, Version>> out;
  for (const auto& [path, id] : live_.names) {
    const Inode& i = live_.inodes.at(id);
    if (i.type == ObjType::file && i.data_version != i.version) out.emplace_back(path, i.version);
  }
  return out;
}

std::optional<Error> MemoryStore::write_content(std::string_view path, std::string bytes) {
  Inode* ino = find(path);
  if (!ino || ino->type != ObjType::file) return fail(path, "not a file");
  dirty_ = true;
  ino->size = bytes.size();
  ino->data = std::move(bytes);
  if (on_change) on_change();
  return std::nullopt;
}

std::optional<std::string> MemoryStore::inconsistency() const {
  for (const auto& [path, ino] : live_.names) {
    const Inode& i = live_.inodes.at(ino);
    if (i.type == ObjType::file && i.data_version == i.version && i.data.size() != i.size)
      return path + " (version " + to_string(i.version) + ") has size " + std::to_string(i.size) +
             " but " + std::to_string(i.data.size()) + " bytes of known content";
  }
  return std::nullopt;
}

std::optional<std::string> MemoryStore::content(std::string_view path) const {
  const Inode* ino = find(path);
  if (!ino || ino->type != ObjType::file || ino->data_version != ino->version) return std::nullopt;
  return ino->data;
}

std::string MemoryStore::dump() const { return dump(live_); }

std::vector<std::string> MemoryStore::paths() const {
  std::vector<std::string> out;
  out.reserve(live_.names.size());
  for (const auto& [path, ino] : live_.names) out.push_back(path);
  return out;
}

std::string MemoryStore::canonical_state() const {
  return dump(live_) + (dirty_ ? "-- durable:\n" + dump(durable_) : "-- all durable\n");
}

std::string MemoryStore::dump(const Tree& tree) {
  std::ostringstream out;
  for (const auto& [path, ino_id] : tree.names) {
    const Inode& i = tree.inodes.at(ino_id);
    out << type_letter(i.type) << ' ' << (path.empty() ? "/" : path) << " v=" << to_string(i.version)
        << " mode=" << std::oct << i.mode << std::dec << " own=" << i.uid << ':' << i.gid;
    if (i.type == ObjType::file) {
      out << " size=" << i.size << " mtime=" << i.mtime_ns;
      if (i.data_version == i.version) {
        out << " data=" << i.data.size() << ":" << i.data;
      } else {
        out << " data=missing";
      }
    }
    if (i.type == ObjType::symlink) out << " -> " << i.target;
    if (i.type == ObjType::node) out << " rdev=" << i.rdev;
    for (const auto& [k, v] : i.xattrs) out << " x:" << k << '=' << v.size();
    out << '\n';
  }
  return out.str();
}

}  // namespace izo::replica
