#include "replica/version_rule.hpp"

#include <algorithm>

#include "util/fileset_path.hpp"

namespace izo::replica {
namespace {

using kml::Op;

std::string show(const std::optional<ObjectInfo>& o) {
  return o ? to_string(o->version) : std::string("absent");
}

Decision conflict(const std::string& path, std::string why) {
  return {Verdict::conflict, path, std::move(why)};
}

bool done(const std::optional<ObjectInfo>& o, const kml::Record& r,
          const std::set<Version>& later) {
  return o && (o->version == r.obj_new || later.contains(o->version));
}

// A new name: create, mkdir, symlink, mknod; link's second name.
Decision decide_new_name(const kml::Record& r, const std::string& name, const StoreView& s,
                         const std::set<Version>& later) {
  const auto obj = s.lookup(name);
  if (done(obj, r, later)) return {Verdict::duplicate, name, ""};
  const auto parent = s.lookup(parent_path(name));
  if (!parent) return conflict(parent_path(name), "parent directory is gone here");
  if (parent->type != ObjType::dir) return conflict(parent_path(name), "parent is not a directory here");
  if (obj && r.op == Op::mkdir && name == r.path && obj->type == ObjType::dir)
    return {Verdict::merge, name, "directory created on both sides"};
  if (obj) return conflict(name, "name exists here too (version " + show(obj) + ")");
  return {Verdict::apply, name, ""};
}

// An update of an existing object in place.
Decision decide_in_place(const kml::Record& r, const StoreView& s, const std::set<Version>& later) {
  const auto obj = s.lookup(r.path);
  if (done(obj, r, later)) return {Verdict::duplicate, r.path, ""};
  if (!obj) return conflict(r.path, "changed there, deleted here");
  if (obj->version != r.obj_old)
    return conflict(r.path, "changed on both sides (here " + show(obj) + ", writer saw " +
                                to_string(r.obj_old) + ")");
  return {Verdict::apply, r.path, ""};
}

Decision decide_removal(const kml::Record& r, const StoreView& s, const std::set<Version>& later) {
  const auto obj = s.lookup(r.path);
  if (!obj) return {Verdict::duplicate, r.path, ""};  // applied before, or deleted on both sides
  if (later.contains(obj->version)) return {Verdict::duplicate, r.path, ""};
  if (obj->version != r.obj_old)
    return conflict(r.path, "deleted there, changed here (here " + show(obj) + ", writer saw " +
                                to_string(r.obj_old) + ")");
  if (r.op == Op::rmdir && s.has_entries(r.path))
    return conflict(r.path, "directory deleted there, has new entries here");
  return {Verdict::apply, r.path, ""};
}

Decision decide_rename(const kml::Record& r, const StoreView& s, const std::set<Version>& later) {
  const auto from = s.lookup(r.path);
  const auto to = s.lookup(r.path2);
  if (!from) {
    if (done(to, r, later)) return {Verdict::duplicate, r.path2, ""};
    return conflict(r.path, "renamed there, deleted or moved here");
  }
  if (from->version != r.obj_old) {
    if (later.contains(from->version)) return {Verdict::duplicate, r.path, ""};
    return conflict(r.path, "renamed there, changed here");
  }
  const auto tparent = s.lookup(parent_path(r.path2));
  if (!tparent || tparent->type != ObjType::dir)
    return conflict(parent_path(r.path2), "rename target's directory is gone here");
  if (to) {
    const bool expected = r.target_old.exists() && to->version == r.target_old;
    if (!expected)
      return conflict(r.path2, "rename target " + std::string(r.target_old.exists() ? "changed" : "created") +
                                   " here (here " + show(to) + ")");
  } else if (r.target_old.exists()) {
    // The writer replaced an object this replica deleted: the name changed
    // on both sides (a new object there, none here).
    return conflict(r.path2, "rename replaced there what was deleted here (writer saw " +
                                 to_string(r.target_old) + ")");
  }
  return {Verdict::apply, r.path, ""};
}

}  // namespace

void merge_directory(Store& store, const kml::Record& r) {
  const auto here = store.lookup(r.path);
  if (!here || here->version >= r.obj_new) return;
  kml::Record adopt;
  adopt.op = Op::setattr;
  adopt.path = r.path;
  adopt.obj_old = here->version;
  adopt.obj_new = r.obj_new;
  store.force(adopt);
}

std::vector<std::set<Version>> later_stamps(std::span<const kml::Record> batch) {
  std::vector<std::set<Version>> later(batch.size());
  for (std::size_t i = batch.size(); i-- > 1;) {
    later[i - 1] = later[i];
    if (batch[i].obj_new.exists()) later[i - 1].insert(batch[i].obj_new);
  }
  return later;
}

const std::string* name_left(const kml::Record& r) {
  switch (r.op) {
    case Op::create:
    case Op::mkdir:
    case Op::symlink:
    case Op::mknod:
    case Op::setattr:
    case Op::close:
    case Op::setxattr:
    case Op::delxattr: return &r.path;
    case Op::rename:
    case Op::link: return &r.path2;
    case Op::noop:
    case Op::unlink:
    case Op::rmdir: return nullptr;
  }
  return nullptr;
}

bool result_in_store(const kml::Record& r, const StoreView& store) {
  const auto* result = name_left(r);
  if (!result || !r.obj_new.exists()) return false;
  const auto here = store.lookup(*result);
  return here && here->version == r.obj_new;
}

bool applied_later(std::span<const kml::Record> after, const StoreView& store) {
  return std::any_of(after.begin(), after.end(), [&](const kml::Record& r) { return result_in_store(r, store); });
}

bool removed_later(std::span<const kml::Record> after, const std::string& path) {
  std::string name = path;
  for (const auto& r : after) {
    if ((r.op == Op::unlink || r.op == Op::rmdir) && r.path == name) return true;
    if (r.op == Op::rename && r.path == name) name = r.path2;
  }
  return name != path;
}

std::string_view verdict_name(Verdict v) {
  switch (v) {
    case Verdict::apply: return "apply";
    case Verdict::duplicate: return "duplicate";
    case Verdict::conflict: return "conflict";
    case Verdict::merge: return "merge";
  }
  return "?";
}

Decision decide(const kml::Record& r, const StoreView& s, const std::set<Version>& later) {
  switch (r.op) {
    case Op::noop: return {Verdict::duplicate, r.path, "noop"};
    case Op::create:
    case Op::mkdir:
    case Op::symlink:
    case Op::mknod: return decide_new_name(r, r.path, s, later);
    case Op::link: {
      const auto src = s.lookup(r.path);
      if (!src) {
        const auto dst = s.lookup(r.path2);
        if (done(dst, r, later)) return {Verdict::duplicate, r.path2, ""};
        return conflict(r.path, "linked there, deleted here");
      }
      if (src->version != r.obj_old && !done(src, r, later))
        return conflict(r.path, "linked there, changed here");
      if (done(src, r, later) && s.lookup(r.path2)) return {Verdict::duplicate, r.path2, ""};
      return decide_new_name(r, r.path2, s, later);
    }
    case Op::unlink:
    case Op::rmdir: return decide_removal(r, s, later);
    case Op::rename: return decide_rename(r, s, later);
    case Op::setattr:
    case Op::close:
    case Op::setxattr:
    case Op::delxattr: return decide_in_place(r, s, later);
  }
  return conflict(r.path, "unknown operation");
}

}  // namespace izo::replica
