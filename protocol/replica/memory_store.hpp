// A Store held in memory, with a disk's durability: what was not synced is
// lost by crash(). The tests and the simulator (model/) run on it.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "replica/store.hpp"

namespace izo::replica {

class MemoryStore final : public Store {
 public:
  MemoryStore();

  std::optional<ObjectInfo> lookup(std::string_view path) const override;
  bool has_entries(std::string_view dir) const override;
  std::vector<std::string> entries(std::string_view dir) const override;
  bool same_content(std::string_view a, std::string_view b) const override;
  std::optional<Error> apply(const kml::Record& r, Origin origin) override;
  std::optional<Error> force(const kml::Record& r) override;
  std::optional<Error> copy(std::string_view from, std::string_view to) override;
  void install_data(std::string_view path, const Version& version, std::string_view token) override;
  std::vector<std::pair<std::string, Version>> missing_data() const override;
  void sync() override;
  // Whether anything changed since the last sync().
  bool dirty() const { return dirty_; }
  // How many times sync() was called.
  std::uint64_t syncs() const { return syncs_; }

  // A crash: everything since the last sync() is gone.
  void crash() {
    live_ = durable_;
    dirty_ = false;
  }

  // What an application writes into an open file (before its close record).
  std::optional<Error> write_content(std::string_view path, std::string bytes);
  // The content of a file, if here and current.
  std::optional<std::string> content(std::string_view path) const;

  // The whole tree, one line per object in path order, with types, versions,
  // attributes, contents and extended attributes: equal strings mean equal
  // replicas.
  std::string dump() const;
  // What a crash would keep as well as what is live: the model checker's
  // fingerprint of this disk.
  std::string canonical_state() const;
  std::size_t object_count() const { return live_.names.size(); }
  // Every name in the tree, in path order ("" is the root).
  std::vector<std::string> paths() const;
  // A file whose known content disagrees with its size, if any (the store
  // contradicting itself; the simulator checks this after every step).
  std::optional<std::string> inconsistency() const;

  // Called after every change that took (apply, force, copy, install_data,
  // write_content) and every sync(): crash sweeps (replay/crashpoints) count
  // the writes a host makes and stop it between any two.
  std::function<void()> on_change;

 private:
  std::optional<Error> apply_here(const kml::Record& r, Origin origin);
  std::optional<Error> force_here(const kml::Record& r);
  std::optional<Error> copy_here(std::string_view from, std::string_view to);
  std::optional<Error> changed(std::optional<Error> outcome);  // tells on_change when it took

  struct Inode {
    ObjType type = ObjType::file;
    Version version;
    std::uint32_t mode = 0, uid = 0, gid = 0;
    std::uint64_t size = 0, rdev = 0;
    std::int64_t atime_ns = 0, mtime_ns = 0;
    std::string data;     // file content, valid when data_version == version
    Version data_version;
    std::string target;   // symlink
    std::map<std::string, std::string> xattrs;
  };
  struct Tree {
    std::map<std::string, std::uint64_t, std::less<>> names;  // path -> inode
    std::map<std::uint64_t, Inode> inodes;
    std::uint64_t next_ino = 1;
  };

  static std::string dump(const Tree& tree);
  Inode* find(std::string_view path);
  const Inode* find(std::string_view path) const;
  std::optional<Error> add(const std::string& path, Inode inode);
  std::optional<Error> remove(const std::string& path, bool dir);
  std::optional<Error> move(const std::string& from, const std::string& to);
  std::optional<Error> set_attrs(const kml::Record& r, Inode& ino, Origin origin);

  Tree live_;
  Tree durable_;
  bool dirty_ = false;
  std::uint64_t syncs_ = 0;
};

}  // namespace izo::replica
