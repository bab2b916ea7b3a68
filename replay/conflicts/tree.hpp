// A replica's tree as the conflict oracle compares it: per name, what Unison
// looks at (type, content, permission bits, symlink target), nothing the
// protocol adds (versions, owners, times).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>

#include "replica/memory_store.hpp"

namespace izo::replay::conflicts {

struct Entry {
  replica::ObjType type = replica::ObjType::file;
  std::optional<std::string> content;  // file: nullopt while its content is missing
  std::uint32_t permissions = 0;       // mode & 07777
  std::string target;                  // symlink
  friend bool operator==(const Entry&, const Entry&) = default;
};

// Path -> entry, in path order; "" is the root.
using Tree = std::map<std::string, Entry, std::less<>>;

Tree snapshot(const replica::MemoryStore& store);

// "file 5 bytes 0644", "directory 0755", "symlink -> t", for reports.
std::string describe(const Entry& e);
// describe(), or "absent".
std::string describe(const Tree& tree, const std::string& path);

// Whether `path` and everything under it are the same in both trees.
bool same_subtree(const Tree& a, const Tree& b, const std::string& path);

// The names directly under `dir` in either tree.
std::set<std::string> children(const Tree& a, const Tree& b, const std::string& dir);

// Whether `inner` is `outer` or lies under it.
bool within(const std::string& inner, const std::string& outer);

}  // namespace izo::replay::conflicts
