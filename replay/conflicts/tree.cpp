#include "conflicts/tree.hpp"

#include <cstdio>
#include <vector>

namespace izo::replay::conflicts {

using replica::ObjType;

Tree snapshot(const replica::MemoryStore& store) {
  Tree t;
  for (const auto& path : store.paths()) {
    const auto obj = store.lookup(path);
    if (!obj) continue;
    Entry e;
    e.type = obj->type;
    e.permissions = obj->mode & 07777u;
    if (obj->type == ObjType::file) e.content = store.content(path);
    if (obj->type == ObjType::symlink) e.target = obj->target;
    t.emplace(path, std::move(e));
  }
  return t;
}

std::string describe(const Entry& e) {
  char perms[8];
  std::snprintf(perms, sizeof perms, "%04o", e.permissions);
  switch (e.type) {
    case ObjType::file:
      return "file " + (e.content ? std::to_string(e.content->size()) + " bytes" : std::string("(content missing)")) +
             " " + perms;
    case ObjType::dir: return std::string("directory ") + perms;
    case ObjType::symlink: return "symlink -> " + e.target;
    case ObjType::node: return std::string("device node ") + perms;
  }
  return "?";
}

std::string describe(const Tree& tree, const std::string& path) {
  const auto it = tree.find(path);
  return it == tree.end() ? "absent" : describe(it->second);
}

bool within(const std::string& inner, const std::string& outer) {
  if (outer.empty()) return true;
  return inner == outer || (inner.size() > outer.size() && inner.compare(0, outer.size(), outer) == 0 &&
                            inner[outer.size()] == '/');
}

namespace {
// The entries of `t` at `path` and under it, in path order. They are among
// the names that begin with `path` (a contiguous run of the map), though not
// all of those ("a-b" sorts between "a" and "a/x").
std::vector<const Tree::value_type*> subtree(const Tree& t, const std::string& path) {
  std::vector<const Tree::value_type*> out;
  for (auto it = t.lower_bound(path); it != t.end() && it->first.starts_with(path); ++it)
    if (within(it->first, path)) out.push_back(&*it);
  return out;
}
}  // namespace

bool same_subtree(const Tree& a, const Tree& b, const std::string& path) {
  const auto in_a = subtree(a, path);
  const auto in_b = subtree(b, path);
  if (in_a.size() != in_b.size()) return false;
  for (std::size_t i = 0; i < in_a.size(); ++i)
    if (*in_a[i] != *in_b[i]) return false;
  return true;
}

std::set<std::string> children(const Tree& a, const Tree& b, const std::string& dir) {
  std::set<std::string> out;
  for (const Tree* t : {&a, &b})
    for (const auto* e : subtree(*t, dir)) {
      if (e->first == dir) continue;
      const std::string rest = dir.empty() ? e->first : e->first.substr(dir.size() + 1);
      if (rest.find('/') == std::string::npos) out.insert(e->first);
    }
  return out;
}

}  // namespace izo::replay::conflicts
