// The Store port on a real directory tree: the fileset's holding folder.
// Every name is resolved beneath the root without following symlinks
// (openat2 RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS), so no record can reach
// outside the fileset, whatever the tree holds. Versions and missing-content
// marks live in extended attributes (object_attrs.hpp).
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <memory>
#include <set>
#include <string>
#include <unordered_map>

#include "replica/store.hpp"

namespace izo::posix {

class PosixStore final : public replica::Store {
 public:
  // Opens the tree at `root` (which must be a directory) and finds the files
  // whose content is still to fetch. The metadata folder (.intermezzo) is
  // never touched.
  static Result<std::unique_ptr<PosixStore>> open(const std::filesystem::path& root);
  ~PosixStore() override;
  PosixStore(const PosixStore&) = delete;
  PosixStore& operator=(const PosixStore&) = delete;

  std::optional<replica::ObjectInfo> lookup(std::string_view path) const override;
  bool has_entries(std::string_view dir) const override;
  std::vector<std::string> entries(std::string_view dir) const override;
  bool same_content(std::string_view a, std::string_view b) const override;
  std::optional<Error> apply(const kml::Record& r, replica::Origin origin) override;
  std::optional<Error> force(const kml::Record& r) override;
  std::optional<Error> copy(std::string_view from, std::string_view to) override;
  // `token` names a file (absolute path) holding the content; it is copied in.
  void install_data(std::string_view path, const Version& version, std::string_view token) override;
  std::vector<std::pair<std::string, Version>> missing_data() const override;
  // Makes everything applied since the last sync durable: when at most
  // kMaxFsyncs files and folders changed (and none is a symlink or a device
  // node), by an fsync of each; otherwise by one syncfs of the tree's
  // filesystem. An fsync flushes what it names; a syncfs writes back every
  // dirty file of the filesystem, other processes' too (a big copy elsewhere
  // would hold up every batch), but beats hundreds of fsyncs.
  void sync() override;
  static constexpr std::size_t kMaxFsyncs = 16;
  struct SyncCounts {
    std::uint64_t fsyncs = 0;  // objects synced one by one
    std::uint64_t syncfs = 0;  // whole-filesystem syncs
  };
  SyncCounts sync_counts() const { return sync_counts_; }
  // What the next sync() covers: changed files and folders ("" is the root).
  const std::set<std::string>& changed_since_sync() const { return touched_; }

  // Files whose content became whole since the last call: their missing
  // mark went at a sync(), whoever installed the content (a fetch, a push,
  // a reintegration batch). Whoever waits for them can be answered.
  std::vector<std::string> take_arrived() { return std::exchange(arrived_, {}); }

  const std::filesystem::path& root() const { return root_path_; }
  // A read-only descriptor on the file at `path`, resolved beneath the root
  // without following symlinks (serving a fetch); -errno on failure.
  int open_for_read(std::string_view path) const;
  // The whole content of the file at `path` if it holds `version`'s content
  // (stamped so, not missing, before and after the read) and has at most
  // `limit` bytes; none otherwise (pushing contents along with records).
  std::optional<std::string> read_content(std::string_view path, const Version& version,
                                          std::uint64_t limit) const;

  // While a scope lives, the directories that names are resolved in stay
  // open and are reused: a batch of records in one folder resolves it once,
  // not once per system call. The store forgets a directory it removes or
  // renames itself; one that another process renames meanwhile is still
  // found under its old name, so a scope spans one step of work (lento: one
  // engine call), never an idle time. Scopes nest; the last one to end
  // closes what was kept.
  class DirCacheScope {
   public:
    explicit DirCacheScope(PosixStore& s) : s_(&s) { ++s_->dir_scopes_; }
    ~DirCacheScope() {
      if (--s_->dir_scopes_ == 0) s_->forget_dirs("");
    }
    DirCacheScope(const DirCacheScope&) = delete;
    DirCacheScope& operator=(const DirCacheScope&) = delete;

   private:
    PosixStore* s_;
  };
  // Directories kept open now (for tests).
  std::size_t cached_dirs() const { return dirs_.size(); }

 private:
  struct Parent;  // the directory holding a name, and the name
  static constexpr std::size_t kMaxCachedDirs = 32;

  PosixStore(std::filesystem::path root, int fd) : root_path_(std::move(root)), root_fd_(fd) {}
  void find_missing(const std::string& dir);
  Result<Parent> parent_of(std::string_view path) const;
  // Closes the kept directories at or under `path` ("": all of them).
  void forget_dirs(const std::string& path) const;

  std::optional<Error> make(const kml::Record& r);
  std::optional<Error> remove(const std::string& path, bool dir);
  std::optional<Error> rename(const kml::Record& r);
  std::optional<Error> link(const kml::Record& r);
  std::optional<Error> set_attrs(const kml::Record& r, replica::Origin origin, bool based);
  std::optional<Error> xattr(const kml::Record& r);
  // The directory `dir` ("" the fileset root) opened for reading, or -1.
  int open_dir(std::string_view dir) const;
  std::optional<Error> stamp(const std::string& path, const Version& v);
  std::optional<Error> stamp(const Parent& p, mode_t mode, const std::string& path, const Version& v);
  void forget_missing_under(const std::string& path);
  // What sync() must make durable: the object at `path` changed (its inode:
  // content, attributes, version); the folder holding `path` changed (an
  // entry made, removed or renamed).
  void touched(const std::string& path) { touched_.insert(path); }
  void touched_folder_of(const std::string& path);
  // 0 once the object at `path` is synced or gone, -1 if it cannot be
  // synced alone (a symlink or device node, or an error).
  int fsync_object(const std::string& path);
  void move_missing(const std::string& from, const std::string& to);

  std::filesystem::path root_path_;
  int root_fd_ = -1;
  int dir_scopes_ = 0;
  mutable std::unordered_map<std::string, int> dirs_;  // O_PATH descriptors, by path under the root
  std::set<std::string> missing_;  // files whose content is to fetch
  // Content installed since the last sync(): its missing mark goes once the
  // content is durable (one sync for a batch, not one per file).
  std::vector<std::pair<std::string, Version>> installed_;
  std::vector<std::string> arrived_;  // see take_arrived
  std::set<std::string> touched_;     // changed since the last sync ("" is the root)
  SyncCounts sync_counts_;
};

}  // namespace izo::posix
