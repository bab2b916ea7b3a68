#include "filter.hpp"

#include "util/fileset_path.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/statvfs.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <optional>
#include <set>
#include <mutex>

namespace izo::presto {
namespace {

using kml::Op;

Filter& self() { return *static_cast<Filter*>(fuse_get_context()->private_data); }

pid_t caller_pid() { return fuse_get_context()->pid; }

// Set while Lento's own update runs: it passes unjournaled (ISLENTO).
thread_local bool t_unjournaled = false;

bool caller_is_lento(Filter& f) { return f.lento() && f.lento()->is_lento(caller_pid()); }

// Taken before an update: Lento's own pass unjournaled; anyone else's waits
// for the permit (EROFS if Lento refuses or is not there).
class Gate {
 public:
  explicit Gate(Filter& f) : f_(f) {
    if (!f.lento()) return;
    if (f.lento()->is_lento(caller_pid())) {
      t_unjournaled = true;
      return;
    }
    error = f.lento()->begin_update(caller_pid());
    counted_ = error == 0;
  }
  ~Gate() {
    t_unjournaled = false;
    if (counted_) f_.lento()->end_update();
  }
  Gate(const Gate&) = delete;
  Gate& operator=(const Gate&) = delete;
  int error = 0;

 private:
  Filter& f_;
  bool counted_ = false;
};

// One update: the permit first (which may wait for Lento), then the update
// lock, never the other way round: an update waiting for the permit must not
// hold the lock that Lento's JOURNAL needs. Released in reverse order.
class Update {
 public:
  explicit Update(Filter& f) : gate_(f) {
    if (!gate_.error) lock_ = std::unique_lock(f.update_lock());
  }
  int error() const { return gate_.error; }

 private:
  Gate gate_;
  std::unique_lock<std::mutex> lock_;
};

// Appends a record (not for Lento's own updates). Lento hears of it once it
// is durable (Journal::on_durable).
void append(Filter& f, kml::Record r) {
  if (t_unjournaled) return;
  f.journal().append(std::move(r));
}

// An open file: its own descriptor (opened on demand, closed on release)
// and whether it was written, which makes its release a close record.
struct Handle {
  int fd = -1;
  std::atomic<bool> written{false};
};

Handle* handle_of(const fuse_file_info* fi) { return reinterpret_cast<Handle*>(fi->fh); }

// Open files, so that those the kernel never released (the filter stopped
// by a signal while a RELEASE was on its way) are freed at the end. Their
// close record was made at flush, which close() waits for.
std::mutex g_handles_mu;
std::set<Handle*> g_handles;

Handle* new_handle(int fd, bool written) {
  auto* h = new Handle;
  h->fd = fd;
  h->written = written;
  std::lock_guard lock(g_handles_mu);
  g_handles.insert(h);
  return h;
}

void delete_handle(Handle* h) {
  {
    std::lock_guard lock(g_handles_mu);
    g_handles.erase(h);
  }
  ::close(h->fd);
  delete h;
}

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::int64_t ns_of(const timespec& t) { return t.tv_sec * 1'000'000'000LL + t.tv_nsec; }

// A record of `op` on `path` by the calling process.
kml::Record record(Op op, std::string path) {
  const fuse_context* c = fuse_get_context();
  kml::Record r;
  r.op = op;
  r.path = std::move(path);
  r.writer = {static_cast<std::uint32_t>(c->pid), c->uid, c->gid};
  r.time_ns = now_ns();
  return r;
}

// Fills the parent versions of `r` (entry operations leave them unchanged).
void parents(const Lower& lower, kml::Record& r) {
  r.parent_old = r.parent_new = lower.version(parent_path(r.path));
  if (r.op == Op::rename || r.op == Op::link) r.tparent_old = r.tparent_new = lower.version(parent_path(r.path2));
}

// Stamps the object at `rel` with the record's new version and journals it.
// A lost stamp is reported but the update stands: the journal has it.
// Through `stamp_fd` when the object is open (it may have no name left).
void journal(Filter& f, kml::Record r, const std::string& stamp_rel, int stamp_fd = -1) {
  if (t_unjournaled) return;
  if (r.obj_new.exists()) {
    const int e = stamp_fd >= 0 ? f.lower().set_version_of_fd(stamp_fd, r.obj_new)
                                : f.lower().set_version(stamp_rel, r.obj_new);
    if (e != 0)
      std::fprintf(stderr, "presto-fuse: %s: cannot stamp version: %s\n", stamp_rel.c_str(), std::strerror(-e));
  }
  append(f, std::move(r));
}

// The attributes of a newly made object, as the record carries them.
void describe_new(const Lower& lower, kml::Record& r) {
  struct stat st {};
  if (lower.stat(r.path, st) != 0) return;
  r.attrs.valid = IZO_ATTR_MODE | IZO_ATTR_UID | IZO_ATTR_GID;
  r.attrs.mode = st.st_mode;
  r.attrs.uid = st.st_uid;
  r.attrs.gid = st.st_gid;
  if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) r.attrs.rdev = st.st_rdev;
  r.writer.uid = st.st_uid;
  r.writer.gid = st.st_gid;
}

// New objects belong to the caller, or to the parent's group where the
// parent is set-group-ID, as the lower filesystem would do for the caller.
int give_to_caller(const Lower& lower, const std::string& rel) {
  const fuse_context* c = fuse_get_context();
  struct stat parent {};
  gid_t gid = c->gid;
  if (lower.stat(parent_path(rel), parent) == 0 && (parent.st_mode & S_ISGID)) gid = parent.st_gid;
  return ::fchownat(lower.root_fd(), Lower::at(rel), c->uid, gid, AT_SYMLINK_NOFOLLOW) == 0 ? 0 : -errno;
}

// Names inside the metadata folder do not exist through the mount, and
// cannot be made.
#define IZO_HIDE(rel) \
  if (is_private(rel)) return -ENOENT
#define IZO_REFUSE(rel) \
  if (is_private(rel)) return -EPERM

int rc(int r) { return r == 0 ? 0 : -errno; }

// ---- reads ------------------------------------------------------------------

int op_getattr(const char* path, struct stat* st, fuse_file_info* fi) {
  if (fi && fi->fh) return rc(::fstat(handle_of(fi)->fd, st));
  const auto rel = relative(path);
  IZO_HIDE(rel);
  return self().lower().stat(rel, *st);
}

int op_readlink(const char* path, char* buf, size_t size) {
  const auto rel = relative(path);
  IZO_HIDE(rel);
  if (size == 0) return -EINVAL;
  const auto n = ::readlinkat(self().lower().root_fd(), Lower::at(rel), buf, size - 1);
  if (n < 0) return -errno;
  buf[n] = '\0';
  return 0;
}

int op_opendir(const char* path, fuse_file_info* fi) {
  const auto rel = relative(path);
  IZO_HIDE(rel);
  const int fd = ::openat(self().lower().root_fd(), Lower::at(rel), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return -errno;
  DIR* d = ::fdopendir(fd);
  if (!d) {
    const int e = errno;
    ::close(fd);
    return -e;
  }
  fi->fh = reinterpret_cast<std::uint64_t>(d);
  return 0;
}

int op_readdir(const char* path, void* buf, fuse_fill_dir_t fill, off_t, fuse_file_info* fi,
               fuse_readdir_flags) {
  DIR* d = reinterpret_cast<DIR*>(fi->fh);
  const bool root = relative(path).empty();
  ::rewinddir(d);
  errno = 0;
  while (dirent* e = ::readdir(d)) {
    if (root && kMetaDir == e->d_name) continue;
    struct stat st {};
    st.st_ino = e->d_ino;
    st.st_mode = static_cast<mode_t>(DTTOIF(e->d_type));
    if (fill(buf, e->d_name, &st, 0, static_cast<fuse_fill_dir_flags>(0)) != 0) break;
  }
  return -errno;
}

int op_releasedir(const char*, fuse_file_info* fi) {
  ::closedir(reinterpret_cast<DIR*>(fi->fh));
  return 0;
}

int op_open(const char* path, fuse_file_info* fi) {
  const auto rel = relative(path);
  IZO_HIDE(rel);
  Filter& f = self();
  const bool writes = (fi->flags & O_ACCMODE) != O_RDONLY;
  const bool truncates = (fi->flags & O_TRUNC) && writes;
  if (f.lento() && !caller_is_lento(f)) {
    // Content this replica does not have yet is fetched before the open.
    const std::string lower = f.lower().proc_path(rel);
    if (posix::content_missing(lower)) {
      if (const int e = f.lento()->fetch(rel, f.lower().version(rel), caller_pid()); e != 0) return e;
    }
  }
  // A writer needs the permit before its first update, as in the original.
  std::optional<Gate> gate;
  if (writes) {
    gate.emplace(f);
    if (gate->error) return gate->error;
  }
  std::unique_lock lock(f.update_lock(), std::defer_lock);
  if (truncates) lock.lock();
  const int fd = ::openat(f.lower().root_fd(), rel.c_str(), (fi->flags & ~O_CREAT) | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return -errno;
  auto* h = new_handle(fd, truncates);  // emptied: its release journals a close
  fi->fh = reinterpret_cast<std::uint64_t>(h);
  return 0;
}

int op_read(const char*, char* buf, size_t size, off_t off, fuse_file_info* fi) {
  const auto n = ::pread(handle_of(fi)->fd, buf, size, off);
  return n < 0 ? -errno : static_cast<int>(n);
}

int op_statfs(const char*, struct statvfs* st) { return rc(::fstatvfs(self().lower().root_fd(), st)); }

int op_getxattr(const char* path, const char* name, char* value, size_t size) {
  const auto rel = relative(path);
  IZO_HIDE(rel);
  if (std::string_view(name).starts_with(kPrivatePrefix) && !caller_is_lento(self())) return -ENODATA;
  const auto n = ::lgetxattr(self().lower().proc_path(rel).c_str(), name, value, size);
  return n < 0 ? -errno : static_cast<int>(n);
}

int op_listxattr(const char* path, char* list, size_t size) {
  const auto rel = relative(path);
  IZO_HIDE(rel);
  const auto lower = self().lower().proc_path(rel);
  std::string names;
  for (;;) {
    const auto n = ::llistxattr(lower.c_str(), nullptr, 0);
    if (n < 0) return -errno;
    names.resize(static_cast<std::size_t>(n));
    const auto got = ::llistxattr(lower.c_str(), names.data(), names.size());
    if (got >= 0) {
      names.resize(static_cast<std::size_t>(got));
      break;
    }
    if (errno != ERANGE) return -errno;
  }
  std::string visible;
  // Whether the caller is Lento is asked only when a private name is there.
  const bool lento = names.find(kPrivatePrefix) != std::string::npos && caller_is_lento(self());
  for (std::size_t at = 0; at < names.size();) {
    const std::string_view name(names.c_str() + at);
    if (lento || !name.starts_with(kPrivatePrefix)) visible.append(name).push_back('\0');
    at += name.size() + 1;
  }
  if (size == 0) return static_cast<int>(visible.size());
  if (visible.size() > size) return -ERANGE;
  std::memcpy(list, visible.data(), visible.size());
  return static_cast<int>(visible.size());
}

int op_access(const char* path, int) {
  const auto rel = relative(path);
  IZO_HIDE(rel);
  struct stat st {};
  return self().lower().stat(rel, st);  // permissions: default_permissions
}

// ---- updates ------------------------------------------------------------------

// mknod, mkdir, symlink: `make` makes the object at (root, rel), then it is
// given to the caller, journaled and stamped.
template <class Make>
int make_object(const char* path, Op op, Make make, const char* target = nullptr) {
  const auto rel = relative(path);
  IZO_REFUSE(rel);
  Filter& f = self();
  Update update(f);
  if (update.error()) return update.error();
  if (make(f.lower().root_fd(), rel.c_str()) != 0) return -errno;
  if (const int e = give_to_caller(f.lower(), rel)) return e;
  auto r = record(op, rel);
  describe_new(f.lower(), r);
  if (target) r.path2 = target;
  parents(f.lower(), r);
  r.obj_new = f.journal().next_version();
  journal(f, std::move(r), rel);
  return 0;
}

int op_mknod(const char* path, mode_t mode, dev_t rdev) {
  return make_object(path, S_ISREG(mode) ? Op::create : Op::mknod,
                     [&](int dir, const char* name) { return ::mknodat(dir, name, mode, rdev); });
}

int op_mkdir(const char* path, mode_t mode) {
  return make_object(path, Op::mkdir, [&](int dir, const char* name) { return ::mkdirat(dir, name, mode); });
}

int op_symlink(const char* target, const char* path) {
  return make_object(
      path, Op::symlink, [&](int dir, const char* name) { return ::symlinkat(target, dir, name); }, target);
}

int op_create(const char* path, mode_t mode, fuse_file_info* fi) {
  const auto rel = relative(path);
  IZO_REFUSE(rel);
  Filter& f = self();
  Update update(f);
  if (update.error()) return update.error();
  const int flags = (fi->flags & ~O_CREAT & ~O_EXCL) | O_CLOEXEC | O_NOFOLLOW;
  int fd = ::openat(f.lower().root_fd(), rel.c_str(), flags | O_CREAT | O_EXCL, mode);
  const bool made = fd >= 0;
  if (!made && errno == EEXIST && !(fi->flags & O_EXCL)) fd = ::openat(f.lower().root_fd(), rel.c_str(), flags);
  if (fd < 0) return -errno;
  // A file this call made is empty, and its create record says so: O_TRUNC
  // empties only a file that was there (the kernel's open drops O_TRUNC for
  // a file it creates, and the kernel module journals the same records).
  auto* h = new_handle(fd, !made && (fi->flags & O_TRUNC) != 0);
  fi->fh = reinterpret_cast<std::uint64_t>(h);
  if (!made) return 0;
  if (const int e = give_to_caller(f.lower(), rel)) return e;
  auto r = record(Op::create, rel);
  describe_new(f.lower(), r);
  parents(f.lower(), r);
  r.obj_new = f.journal().next_version();
  journal(f, std::move(r), rel, fd);
  return 0;
}

// unlink and rmdir: the object's version goes into the record first.
int remove_object(const char* path, Op op) {
  const auto rel = relative(path);
  IZO_HIDE(rel);
  Filter& f = self();
  Update update(f);
  if (update.error()) return update.error();
  auto r = record(op, rel);
  r.obj_old = f.lower().version(rel);
  if (::unlinkat(f.lower().root_fd(), rel.c_str(), op == Op::rmdir ? AT_REMOVEDIR : 0) != 0) return -errno;
  parents(f.lower(), r);
  append(f, std::move(r));
  return 0;
}

int op_unlink(const char* path) { return remove_object(path, Op::unlink); }
int op_rmdir(const char* path) { return remove_object(path, Op::rmdir); }

int op_rename(const char* from, const char* to, unsigned int flags) {
  const auto src = relative(from);
  const auto dst = relative(to);
  IZO_HIDE(src);
  IZO_REFUSE(dst);
  // An exchange is two updates at once; one KML record cannot say it.
  if (flags & ~static_cast<unsigned>(RENAME_NOREPLACE)) return -EINVAL;
  Filter& f = self();
  Update update(f);
  if (update.error()) return update.error();
  auto r = record(Op::rename, src);
  r.path2 = dst;
  r.obj_old = f.lower().version(src);
  struct stat st {};
  if (f.lower().stat(dst, st) == 0) r.target_old = f.lower().version(dst);
  if (::renameat2(f.lower().root_fd(), src.c_str(), f.lower().root_fd(), dst.c_str(), flags) != 0)
    return -errno;
  parents(f.lower(), r);
  r.obj_new = f.journal().next_version();
  journal(f, std::move(r), dst);
  return 0;
}

int op_link(const char* from, const char* to) {
  const auto src = relative(from);
  const auto dst = relative(to);
  IZO_HIDE(src);
  IZO_REFUSE(dst);
  Filter& f = self();
  Update update(f);
  if (update.error()) return update.error();
  auto r = record(Op::link, src);
  r.path2 = dst;
  r.obj_old = f.lower().version(src);
  if (::linkat(f.lower().root_fd(), src.c_str(), f.lower().root_fd(), dst.c_str(), 0) != 0) return -errno;
  parents(f.lower(), r);
  r.obj_new = f.journal().next_version();
  journal(f, std::move(r), dst);
  return 0;
}

// A setattr record for `rel` after its attributes changed as `valid` says.
void journal_setattr(Filter& f, const std::string& rel, int fd, std::uint32_t valid, const Version& before) {
  struct stat st {};
  const int got = fd >= 0 ? rc(::fstat(fd, &st)) : f.lower().stat(rel, st);
  auto r = record(Op::setattr, rel);
  r.obj_old = before;
  r.attrs.valid = valid;
  if (got == 0) {
    r.attrs.mode = st.st_mode;
    r.attrs.uid = st.st_uid;
    r.attrs.gid = st.st_gid;
    r.attrs.size = static_cast<std::uint64_t>(st.st_size);
    r.attrs.atime_ns = ns_of(st.st_atim);
    r.attrs.mtime_ns = ns_of(st.st_mtim);
  }
  r.obj_new = f.journal().next_version();
  journal(f, std::move(r), rel, fd);
}

// chmod, chown, utimens: the change is made on the open file when there is
// one (`on_fd`), else by name (`by_name`); `valid` says what the setattr
// record carries (none: nothing changed, nothing journaled).
template <class OnFd, class ByName>
int change_attrs(const char* path, fuse_file_info* fi, std::uint32_t valid, OnFd on_fd, ByName by_name) {
  const auto rel = relative(path);
  IZO_HIDE(rel);
  Filter& f = self();
  Update update(f);
  if (update.error()) return update.error();
  const int fd = fi && fi->fh ? handle_of(fi)->fd : -1;
  const Version before = fd >= 0 ? f.lower().version_of_fd(fd) : f.lower().version(rel);
  if ((fd >= 0 ? on_fd(fd) : by_name(f.lower().root_fd(), Lower::at(rel))) != 0) return -errno;
  if (valid) journal_setattr(f, rel, fd, valid, before);
  return 0;
}

int op_chmod(const char* path, mode_t mode, fuse_file_info* fi) {
  return change_attrs(
      path, fi, IZO_ATTR_MODE, [&](int fd) { return ::fchmod(fd, mode); },
      [&](int dir, const char* name) { return ::fchmodat(dir, name, mode, 0); });
}

int op_chown(const char* path, uid_t uid, gid_t gid, fuse_file_info* fi) {
  std::uint32_t valid = IZO_ATTR_MODE;  // chown may clear set-user/group-ID bits: the mode goes along
  if (uid != static_cast<uid_t>(-1)) valid |= IZO_ATTR_UID;
  if (gid != static_cast<gid_t>(-1)) valid |= IZO_ATTR_GID;
  return change_attrs(
      path, fi, valid, [&](int fd) { return ::fchown(fd, uid, gid); },
      [&](int dir, const char* name) { return ::fchownat(dir, name, uid, gid, AT_SYMLINK_NOFOLLOW); });
}

int op_truncate(const char* path, off_t size, fuse_file_info* fi) {
  const auto rel = relative(path);
  IZO_HIDE(rel);
  Filter& f = self();
  Update update(f);
  if (update.error()) return update.error();
  int fd = fi && fi->fh ? handle_of(fi)->fd : -1;
  const bool own = fd < 0;
  if (own) fd = ::openat(f.lower().root_fd(), rel.c_str(), O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return -errno;
  const Version before = f.lower().version_of_fd(fd);
  const int r = ::ftruncate(fd, size);
  const int err = errno;
  if (r == 0) journal_setattr(f, rel, fd, IZO_ATTR_SIZE | IZO_ATTR_MTIME, before);
  if (own) ::close(fd);
  return r == 0 ? 0 : -err;
}

int op_utimens(const char* path, const timespec tv[2], fuse_file_info* fi) {
  std::uint32_t valid = 0;
  if (tv[0].tv_nsec != UTIME_OMIT) valid |= IZO_ATTR_ATIME;
  if (tv[1].tv_nsec != UTIME_OMIT) valid |= IZO_ATTR_MTIME;
  return change_attrs(
      path, fi, valid, [&](int fd) { return ::futimens(fd, tv); },
      [&](int dir, const char* name) { return ::utimensat(dir, name, tv, AT_SYMLINK_NOFOLLOW); });
}

int op_write(const char*, const char* buf, size_t size, off_t off, fuse_file_info* fi) {
  Handle* h = handle_of(fi);
  const auto n = ::pwrite(h->fd, buf, size, off);
  if (n < 0) return -errno;
  h->written = true;
  return static_cast<int>(n);
}

int op_fallocate(const char*, int mode, off_t off, off_t len, fuse_file_info* fi) {
  Handle* h = handle_of(fi);
  if (::fallocate(h->fd, mode, off, len) != 0) return -errno;
  h->written = true;
  return 0;
}

// A written file's new content is one close record, journaled when the
// application closes a descriptor of it (flush comes with close(2); release
// comes later, asynchronously) and at release for writes after that.
int journal_close(const char* path, Handle* h) {
  if (!path || !h->written.exchange(false)) return 0;
  const auto rel = relative(path);
  Filter& f = self();
  Update update(f);
  if (update.error()) return update.error();
  struct stat st {};
  if (::fstat(h->fd, &st) != 0 || st.st_nlink == 0) return 0;  // gone: its unlink is journaled
  auto r = record(Op::close, rel);
  r.obj_old = f.lower().version_of_fd(h->fd);
  r.attrs.valid = IZO_ATTR_SIZE | IZO_ATTR_MTIME;
  r.attrs.size = static_cast<std::uint64_t>(st.st_size);
  r.attrs.mtime_ns = ns_of(st.st_mtim);
  r.obj_new = f.journal().next_version();
  // What the application wrote is this version's content, here.
  if (!t_unjournaled) ::fremovexattr(h->fd, posix::kMissingXattr);
  journal(f, std::move(r), rel, h->fd);
  return 0;
}

int op_flush(const char* path, fuse_file_info* fi) { return journal_close(path, handle_of(fi)); }

int op_release(const char* path, fuse_file_info* fi) {
  Handle* h = handle_of(fi);
  journal_close(path, h);
  delete_handle(h);
  return 0;
}

// What the application makes durable, the journal covers first.
int op_fsync(const char*, int datasync, fuse_file_info* fi) {
  self().journal().sync();
  const int fd = handle_of(fi)->fd;
  return rc(datasync ? ::fdatasync(fd) : ::fsync(fd));
}

int op_fsyncdir(const char*, int, fuse_file_info* fi) {
  self().journal().sync();
  return rc(::fsync(::dirfd(reinterpret_cast<DIR*>(fi->fh))));
}

// setxattr, removexattr: `change(lower_path)` makes the change; InterMezzo's
// own names are Lento's alone (others get `refused`).
template <class Change>
int change_xattr(const char* path, Op op, const char* name, int refused, Change change, std::string data = {},
                 std::uint32_t flags = 0) {
  const auto rel = relative(path);
  IZO_HIDE(rel);
  Filter& f = self();
  if (std::string_view(name).starts_with(kPrivatePrefix) && !caller_is_lento(f)) return -refused;
  Update update(f);
  if (update.error()) return update.error();
  auto r = record(op, rel);
  r.obj_old = f.lower().version(rel);
  if (change(f.lower().proc_path(rel).c_str()) != 0) return -errno;
  r.flags = flags;
  r.path2 = name;
  r.data = std::move(data);
  r.obj_new = f.journal().next_version();
  journal(f, std::move(r), rel);
  return 0;
}

int op_setxattr(const char* path, const char* name, const char* value, size_t size, int flags) {
  const std::uint32_t kml_flags = flags == XATTR_CREATE    ? IZO_KML_FLAG_XATTR_CREATE
                                  : flags == XATTR_REPLACE ? IZO_KML_FLAG_XATTR_REPLACE
                                                           : 0;
  return change_xattr(
      path, Op::setxattr, name, EPERM, [&](const char* lower) { return ::lsetxattr(lower, name, value, size, flags); },
      std::string(value, size), kml_flags);
}

int op_removexattr(const char* path, const char* name) {
  return change_xattr(path, Op::delxattr, name, ENODATA,
                      [&](const char* lower) { return ::lremovexattr(lower, name); });
}

int op_flock(const char*, fuse_file_info* fi, int op) { return rc(::flock(handle_of(fi)->fd, op)); }

off_t op_lseek(const char*, off_t off, int whence, fuse_file_info* fi) {
  const off_t r = ::lseek(handle_of(fi)->fd, off, whence);
  return r < 0 ? -errno : r;
}

void* op_init(fuse_conn_info*, fuse_config* cfg) {
  cfg->use_ino = 1;           // inode numbers of the wrapped tree (hard links)
  cfg->readdir_ino = 1;
  cfg->hard_remove = 1;       // no .fuse_hidden files: open files work by handle
  cfg->nullpath_ok = 0;       // release needs the path of what it journals
  if (static_cast<Filter*>(fuse_get_context()->private_data)->lento()) {
    // Lento applies peers' updates to the wrapped tree directly (never
    // through the mount: an update waiting here for the permit holds the
    // kernel's directory lock, and Lento must not queue behind it). So the
    // kernel keeps nothing: every lookup and open asks the wrapped tree.
    cfg->kernel_cache = 0;
    cfg->entry_timeout = 0;
    cfg->attr_timeout = 0;
    cfg->negative_timeout = 0;
  } else {
    cfg->kernel_cache = 1;  // every change passes here, so the cache stays true
    cfg->entry_timeout = 1.0;
    cfg->attr_timeout = 1.0;
    cfg->negative_timeout = 1.0;
  }
  return fuse_get_context()->private_data;
}

}  // namespace

void Filter::free_unreleased_files() {
  std::set<Handle*> left;
  {
    std::lock_guard lock(g_handles_mu);
    left.swap(g_handles);
  }
  for (Handle* h : left) {
    ::close(h->fd);
    delete h;
  }
}

namespace {

fuse_operations make_operations() {
  fuse_operations o{};
  o.getattr = op_getattr;
  o.readlink = op_readlink;
  o.mknod = op_mknod;
  o.mkdir = op_mkdir;
  o.unlink = op_unlink;
  o.rmdir = op_rmdir;
  o.symlink = op_symlink;
  o.rename = op_rename;
  o.link = op_link;
  o.chmod = op_chmod;
  o.chown = op_chown;
  o.truncate = op_truncate;
  o.open = op_open;
  o.read = op_read;
  o.write = op_write;
  o.statfs = op_statfs;
  o.flush = op_flush;
  o.release = op_release;
  o.fsync = op_fsync;
  o.setxattr = op_setxattr;
  o.getxattr = op_getxattr;
  o.listxattr = op_listxattr;
  o.removexattr = op_removexattr;
  o.opendir = op_opendir;
  o.readdir = op_readdir;
  o.releasedir = op_releasedir;
  o.fsyncdir = op_fsyncdir;
  o.init = op_init;
  o.access = op_access;
  o.create = op_create;
  o.utimens = op_utimens;
  o.flock = op_flock;
  o.fallocate = op_fallocate;
  o.lseek = op_lseek;
  return o;
}

}  // namespace

const fuse_operations& Filter::operations() {
  static const fuse_operations ops = make_operations();
  return ops;
}

}  // namespace izo::presto
