#include "posix/posix_store.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>

#include "posix/object_attrs.hpp"
#include "posix/write_all.hpp"
#include "util/fileset_path.hpp"

namespace izo::posix {
namespace {

using kml::Op;
using replica::ObjectInfo;
using replica::ObjType;
using replica::Origin;

Error fail(std::string_view path, std::string why) { return Error{std::string(path) + ": " + std::move(why), 0}; }

std::string errno_text(int e) { return std::strerror(e); }

// An owned descriptor.
struct Fd {
  int fd = -1;
  Fd() = default;
  explicit Fd(int f) : fd(f) {}
  Fd(Fd&& o) noexcept : fd(std::exchange(o.fd, -1)) {}
  Fd& operator=(Fd&&) = delete;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

int openat2_beneath(int root, const char* path, int flags) {
  open_how how{};
  how.flags = static_cast<__u64>(static_cast<unsigned>(flags | O_CLOEXEC));
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
  return static_cast<int>(::syscall(SYS_openat2, root, path, &how, sizeof how));
}

std::string resolve_problem(int e) {
  switch (e) {
    case ENOENT: return "parent directory does not exist";
    case ENOTDIR: return "parent is not a directory";
    case ELOOP: return "a parent is a symlink; names are not followed through links";
    case EXDEV: return "escapes the fileset";
    default: return errno_text(e);
  }
}

// How the store opens an object it found by name: never following a
// symlink, never waiting on a FIFO, never taking a terminal.
constexpr int kObjectOpen = O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC;

// The file or folder `name` in `dir`, whose type `mode` a stat just gave,
// opened read-only; none for anything else (a symlink, a device node: not
// to be opened).
Fd open_object(int dir, const char* name, mode_t mode) {
  if (!S_ISREG(mode) && !S_ISDIR(mode)) return Fd{};
  return Fd(::openat(dir, name, O_RDONLY | kObjectOpen | (S_ISDIR(mode) ? O_DIRECTORY : 0)));
}

// InterMezzo's attributes of the object `name` in `dir`, whose type `mode`
// a stat just gave: through a descriptor on it when it is a file or a
// directory, else (a symlink, a device node: not to be opened) by the path
// /proc/self/fd/DIR/NAME. The descriptor is the cheaper way (measured: open,
// two fgetxattr and close 4 us, two lgetxattr through /proc 9 us). If the
// object cannot be opened (it changed type since the stat), the path serves.
class ObjectAttrs {
 public:
  ObjectAttrs(int dir, const std::string& name, mode_t mode) : fd_(open_object(dir, name.c_str(), mode)) {
    if (fd_.fd < 0) proc_ = "/proc/self/fd/" + std::to_string(dir) + "/" + name;
  }
  Version version() const { return fd_.fd >= 0 ? read_version_fd(fd_.fd) : read_version(proc_); }
  bool missing() const { return fd_.fd >= 0 ? content_missing_fd(fd_.fd) : content_missing(proc_); }
  int set_version(const Version& v) const { return fd_.fd >= 0 ? write_version_fd(fd_.fd, v) : write_version(proc_, v); }
  int mark_missing(bool missing) const {
    return fd_.fd >= 0 ? mark_content_missing_fd(fd_.fd, missing) : mark_content_missing(proc_, missing);
  }

 private:
  Fd fd_;
  std::string proc_;
};

// The regular file `name` in `dir`, opened with `flags` (O_RDONLY or
// O_WRONLY), or none: anything else there (a device node, a FIFO: not to be
// opened, a symlink: not followed) is left alone, before and after opening.
Fd open_regular(int dir, const char* name, int flags) {
  struct stat st {};
  if (::fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode)) return Fd{};
  Fd f(::openat(dir, name, flags | kObjectOpen));
  if (f.fd >= 0 && (::fstat(f.fd, &st) != 0 || !S_ISREG(st.st_mode))) return Fd{};
  return f;
}

ObjType type_of(mode_t m) {
  if (S_ISREG(m)) return ObjType::file;
  if (S_ISDIR(m)) return ObjType::dir;
  if (S_ISLNK(m)) return ObjType::symlink;
  return ObjType::node;
}

// The names in the open directory `fd` (taken and closed), "." and ".."
// left out, and the metadata folder when it is the fileset root; at most
// `limit` of them.
std::vector<std::string> dir_names(int fd, bool root, std::size_t limit) {
  std::vector<std::string> names;
  DIR* d = ::fdopendir(fd);
  if (!d) {
    ::close(fd);
    return names;
  }
  while (names.size() < limit) {
    const dirent* e = ::readdir(d);
    if (!e) break;
    const std::string_view n = e->d_name;
    if (n == "." || n == ".." || (root && n == kMetadataDir)) continue;
    names.emplace_back(n);
  }
  ::closedir(d);
  return names;
}

// The content of `from` replaces that of `to`: written over it from the
// start, then cut to length. Not emptied first: ext4 starts writing back at
// once, at close, a file that was truncated to nothing (auto_da_alloc), and
// the caller syncs a whole batch of installs at once anyway.
std::optional<Error> copy_bytes(int from, int to, std::string_view what) {
  char buf[1 << 16];
  off_t at = 0;
  for (;;) {
    const auto n = ::read(from, buf, sizeof buf);
    if (n < 0) return fail(what, "read: " + errno_text(errno));
    if (n == 0) break;
    if (const int e = pwrite_all(to, buf, static_cast<std::size_t>(n), static_cast<std::uint64_t>(at)); e != 0)
      return fail(what, "write: " + errno_text(e));
    at += n;
  }
  struct stat st {};
  if (::fstat(to, &st) != 0) return fail(what, "stat: " + errno_text(errno));
  if (st.st_size != at && ::ftruncate(to, at) != 0) return fail(what, "cannot truncate: " + errno_text(errno));
  return std::nullopt;
}

// Reads until `size` bytes or the end of the file: how many, or -1.
ssize_t read_full(int fd, char* buf, std::size_t size) {
  std::size_t got = 0;
  while (got < size) {
    const auto n = ::read(fd, buf + got, size - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return -1;
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  return static_cast<ssize_t>(got);
}

// Ownership needs root; a store run by another user keeps its own.
int give(int dir, const char* name, std::uint32_t uid, std::uint32_t gid) {
  if (::fchownat(dir, name, uid, gid, AT_SYMLINK_NOFOLLOW) == 0) return 0;
  return errno == EPERM && ::geteuid() != 0 ? 0 : -errno;
}

}  // namespace

// The directory holding the last name of a path, opened beneath the root, or
// kept open by the store (borrowed: not closed here).
struct PosixStore::Parent {
  Fd owned;
  int dir = -1;
  std::string name;
  std::string proc() const { return "/proc/self/fd/" + std::to_string(dir) + "/" + name; }
  const char* at() const { return name.c_str(); }
};

Result<PosixStore::Parent> PosixStore::parent_of(std::string_view path) const {
  if (auto why = fileset_path_problem(path, true)) return fail(path, std::string(*why));
  Parent p;
  const auto slash = path.rfind('/');
  p.name = path.empty() ? "." : std::string(slash == std::string_view::npos ? path : path.substr(slash + 1));
  if (slash == std::string_view::npos) {
    p.dir = root_fd_;
    return p;
  }
  std::string dir(path.substr(0, slash));
  if (dir_scopes_ > 0) {
    if (auto it = dirs_.find(dir); it != dirs_.end()) {
      p.dir = it->second;
      return p;
    }
  }
  const int fd = openat2_beneath(root_fd_, dir.c_str(), O_PATH | O_DIRECTORY);
  if (fd < 0) return fail(path, resolve_problem(errno));
  p.dir = fd;
  if (dir_scopes_ > 0 && dirs_.size() < kMaxCachedDirs) dirs_.emplace(std::move(dir), fd);
  else p.owned.fd = fd;
  return p;
}

void PosixStore::forget_dirs(const std::string& path) const {
  std::erase_if(dirs_, [&](const auto& kept) {
    if (!path.empty() && !at_or_under(kept.first, path)) return false;
    ::close(kept.second);
    return true;
  });
}

Result<std::unique_ptr<PosixStore>> PosixStore::open(const std::filesystem::path& root) {
  const int fd = ::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Error{root.string() + ": " + errno_text(errno), 0};
  std::unique_ptr<PosixStore> s(new PosixStore(root, fd));
  s->find_missing("");
  return s;
}

PosixStore::~PosixStore() {
  forget_dirs("");
  if (root_fd_ >= 0) ::close(root_fd_);
}

void PosixStore::find_missing(const std::string& dir) {
  Fd fd(dir.empty() ? ::dup(root_fd_) : openat2_beneath(root_fd_, dir.c_str(), O_RDONLY | O_DIRECTORY));
  if (fd.fd < 0) return;
  DIR* d = ::fdopendir(std::exchange(fd.fd, -1));
  if (!d) return;
  std::vector<std::string> subdirs;
  while (dirent* e = ::readdir(d)) {
    const std::string n = e->d_name;
    if (n == "." || n == ".." || (dir.empty() && n == kMetadataDir)) continue;
    const std::string path = dir.empty() ? n : dir + "/" + n;
    if (e->d_type == DT_DIR) {
      subdirs.push_back(path);
    } else if (e->d_type == DT_REG) {
      const std::string proc = "/proc/self/fd/" + std::to_string(::dirfd(d)) + "/" + n;
      if (content_missing(proc)) missing_.insert(path);
    }
  }
  ::closedir(d);
  for (const auto& s : subdirs) find_missing(s);
}

std::optional<ObjectInfo> PosixStore::lookup(std::string_view path) const {
  auto p = parent_of(path);
  if (!p) return std::nullopt;
  struct stat st {};
  if (::fstatat(p->dir, p->at(), &st, AT_SYMLINK_NOFOLLOW) != 0) return std::nullopt;
  const ObjectAttrs attrs(p->dir, p->name, st.st_mode);
  ObjectInfo info;
  info.type = type_of(st.st_mode);
  info.version = attrs.version();
  info.mode = st.st_mode;
  info.uid = st.st_uid;
  info.gid = st.st_gid;
  info.size = static_cast<std::uint64_t>(st.st_size);
  if (info.type == ObjType::symlink) {
    std::string target(static_cast<std::size_t>(st.st_size) + 1, '\0');
    const auto n = ::readlinkat(p->dir, p->at(), target.data(), target.size());
    target.resize(n < 0 ? 0 : static_cast<std::size_t>(n));
    info.target = std::move(target);
  }
  if (info.type == ObjType::file) info.data_missing = attrs.missing();
  return info;
}

int PosixStore::open_dir(std::string_view dir) const {
  return dir.empty() ? ::openat(root_fd_, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
                     : openat2_beneath(root_fd_, std::string(dir).c_str(), O_RDONLY | O_DIRECTORY);
}

bool PosixStore::has_entries(std::string_view dir) const {
  const int fd = open_dir(dir);
  return fd >= 0 && !dir_names(fd, dir.empty(), 1).empty();
}

std::vector<std::string> PosixStore::entries(std::string_view dir) const {
  const int fd = open_dir(dir);
  if (fd < 0) return {};
  auto names = dir_names(fd, dir.empty(), SIZE_MAX);
  if (!dir.empty())
    for (auto& n : names) n = std::string(dir) + "/" + n;
  return names;
}

std::optional<Error> PosixStore::stamp(const std::string& path, const Version& v) {
  auto p = parent_of(path);
  if (!p) return p.error();
  struct stat st {};
  if (::fstatat(p->dir, p->at(), &st, AT_SYMLINK_NOFOLLOW) != 0) return fail(path, "cannot stamp version: " + errno_text(errno));
  return stamp(*p, st.st_mode, path, v);
}

std::optional<Error> PosixStore::stamp(const Parent& p, mode_t mode, const std::string& path, const Version& v) {
  touched(path);
  if (const int e = ObjectAttrs(p.dir, p.name, mode).set_version(v); e != 0)
    return fail(path, "cannot stamp version: " + errno_text(-e));
  return std::nullopt;
}

void PosixStore::touched_folder_of(const std::string& path) {
  const auto slash = path.rfind('/');
  touched_.insert(slash == std::string::npos ? std::string() : path.substr(0, slash));
}

std::optional<Error> PosixStore::make(const kml::Record& r) {
  auto p = parent_of(r.path);
  if (!p) return p.error();
  struct stat st {};
  if (::fstatat(p->dir, p->at(), &st, AT_SYMLINK_NOFOLLOW) == 0) return fail(r.path, "exists");
  const mode_t perms = r.attrs.mode & 07777;
  int rc = 0;
  switch (r.op) {
    case Op::create: {
      const int fd = ::openat(p->dir, p->at(), O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, perms);
      rc = fd < 0 ? -1 : ::close(fd);
      break;
    }
    case Op::mkdir: rc = ::mkdirat(p->dir, p->at(), perms); break;
    case Op::symlink: rc = ::symlinkat(r.path2.c_str(), p->dir, p->at()); break;
    default: rc = ::mknodat(p->dir, p->at(), r.attrs.mode, static_cast<dev_t>(r.attrs.rdev)); break;
  }
  if (rc != 0) return fail(r.path, "cannot make: " + errno_text(errno));
  touched_folder_of(r.path);
  if (const int e = give(p->dir, p->at(), r.writer.uid, r.writer.gid); e != 0)
    return fail(r.path, "cannot give to " + std::to_string(r.writer.uid) + ":" + std::to_string(r.writer.gid) +
                            ": " + errno_text(-e));
  // The process umask must not narrow the mode the record asks for.
  if (r.op != Op::symlink && ::fchmodat(p->dir, p->at(), perms, 0) != 0)
    return fail(r.path, "cannot set mode: " + errno_text(errno));
  if (r.op == Op::create) return stamp(*p, S_IFREG, r.path, r.obj_new);
  if (r.op == Op::mkdir) return stamp(*p, S_IFDIR, r.path, r.obj_new);
  return stamp(r.path, r.obj_new);
}

std::optional<Error> PosixStore::remove(const std::string& path, bool dir) {
  if (path.empty()) return fail(path, "the fileset root cannot be removed");
  auto p = parent_of(path);
  if (!p) return p.error();
  struct stat st {};
  if (::fstatat(p->dir, p->at(), &st, AT_SYMLINK_NOFOLLOW) != 0) return fail(path, "does not exist");
  const bool is_dir = S_ISDIR(st.st_mode);
  if (dir && !is_dir) return fail(path, "not a directory");
  if (!dir && is_dir) return fail(path, "is a directory");
  if (::unlinkat(p->dir, p->at(), dir ? AT_REMOVEDIR : 0) != 0)
    return fail(path, errno == ENOTEMPTY || errno == EEXIST ? "directory not empty" : errno_text(errno));
  if (is_dir) forget_dirs(path);
  forget_missing_under(path);
  std::erase_if(touched_, [&](const std::string& t) { return at_or_under(t, path); });
  touched_folder_of(path);
  return std::nullopt;
}

std::optional<Error> PosixStore::rename(const kml::Record& r) {
  auto from = parent_of(r.path);
  if (!from) return from.error();
  auto to = parent_of(r.path2);
  if (!to) return to.error();
  struct stat src {}, dst {};
  if (::fstatat(from->dir, from->at(), &src, AT_SYMLINK_NOFOLLOW) != 0) return fail(r.path, "does not exist");
  if (::fstatat(to->dir, to->at(), &dst, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(dst.st_mode) != S_ISDIR(src.st_mode))
    return fail(r.path2, "file/directory mismatch");
  if (::renameat(from->dir, from->at(), to->dir, to->at()) != 0)
    return fail(r.path2, errno == EINVAL ? "cannot move a directory into itself" : errno_text(errno));
  if (S_ISDIR(src.st_mode)) {
    forget_dirs(r.path);
    forget_dirs(r.path2);  // what the rename replaced
  }
  forget_missing_under(r.path2);  // what the rename replaced
  move_missing(r.path, r.path2);
  std::erase_if(touched_, [&](const std::string& t) { return at_or_under(t, r.path2); });
  std::vector<std::string> moved;
  std::erase_if(touched_, [&](const std::string& t) {
    if (!at_or_under(t, r.path)) return false;
    moved.push_back(r.path2 + t.substr(r.path.size()));
    return true;
  });
  touched_.insert(moved.begin(), moved.end());
  touched_folder_of(r.path);
  touched_folder_of(r.path2);
  return stamp(r.path2, r.obj_new);
}

std::optional<Error> PosixStore::link(const kml::Record& r) {
  auto from = parent_of(r.path);
  if (!from) return from.error();
  auto to = parent_of(r.path2);
  if (!to) return to.error();
  struct stat src {};
  if (::fstatat(from->dir, from->at(), &src, AT_SYMLINK_NOFOLLOW) != 0) return fail(r.path, "does not exist");
  if (S_ISDIR(src.st_mode)) return fail(r.path, "cannot link a directory");
  if (::linkat(from->dir, from->at(), to->dir, to->at(), 0) != 0)
    return fail(r.path2, errno == EEXIST ? "exists" : errno_text(errno));
  if (missing_.contains(r.path)) missing_.insert(r.path2);
  touched_folder_of(r.path2);
  return stamp(*to, src.st_mode, r.path2, r.obj_new);
}

std::optional<Error> PosixStore::set_attrs(const kml::Record& r, Origin origin, bool based) {
  auto p = parent_of(r.path);
  if (!p) return p.error();
  struct stat st {};
  if (::fstatat(p->dir, p->at(), &st, AT_SYMLINK_NOFOLLOW) != 0) return fail(r.path, "does not exist");
  const ObjectAttrs attrs(p->dir, p->name, st.st_mode);
  touched(r.path);
  const auto& a = r.attrs;
  if ((a.valid & IZO_ATTR_MODE) && !S_ISLNK(st.st_mode) && ::fchmodat(p->dir, p->at(), a.mode & 07777, 0) != 0)
    return fail(r.path, "chmod: " + errno_text(errno));
  if (a.valid & (IZO_ATTR_UID | IZO_ATTR_GID)) {
    const auto uid = (a.valid & IZO_ATTR_UID) ? a.uid : static_cast<std::uint32_t>(-1);
    const auto gid = (a.valid & IZO_ATTR_GID) ? a.gid : static_cast<std::uint32_t>(-1);
    if (const int e = give(p->dir, p->at(), uid, gid); e != 0) return fail(r.path, "chown: " + errno_text(-e));
  }
  const bool file = S_ISREG(st.st_mode);
  if ((a.valid & IZO_ATTR_SIZE) && !file) return fail(r.path, "size change on a non-file");
  // A remote close that left the file empty says its whole content.
  const bool emptied = origin == Origin::remote && kml::closes_empty(r);
  if ((a.valid & IZO_ATTR_SIZE) && (r.op == Op::setattr || emptied)) {
    Fd fd(openat2_beneath(root_fd_, r.path.c_str(), O_WRONLY));
    if (fd.fd < 0 || ::ftruncate(fd.fd, static_cast<off_t>(a.size)) != 0)
      return fail(r.path, "truncate: " + errno_text(errno));
  }
  if (a.valid & (IZO_ATTR_ATIME | IZO_ATTR_MTIME)) {
    timespec ts[2];
    ts[0] = (a.valid & IZO_ATTR_ATIME) ? timespec{a.atime_ns / 1'000'000'000, a.atime_ns % 1'000'000'000}
                                       : timespec{0, UTIME_OMIT};
    ts[1] = (a.valid & IZO_ATTR_MTIME) ? timespec{a.mtime_ns / 1'000'000'000, a.mtime_ns % 1'000'000'000}
                                       : timespec{0, UTIME_OMIT};
    if (::utimensat(p->dir, p->at(), ts, AT_SYMLINK_NOFOLLOW) != 0)
      return fail(r.path, "utimens: " + errno_text(errno));
  }
  if (file) {
    // A remote close makes the content something to fetch, unless it emptied
    // the file; a local one, or a change of attributes on content that is
    // here, leaves it here.
    const bool fetch = !emptied && (!based || (r.op == Op::close && origin == Origin::remote));
    if (fetch || r.op == Op::close) {
      if (const int e = attrs.mark_missing(fetch); e != 0)
        return fail(r.path, "cannot mark content: " + errno_text(-e));
      if (fetch) {
        missing_.insert(r.path);
      } else {
        missing_.erase(r.path);
      }
    }
  }
  if (const int e = attrs.set_version(r.obj_new); e != 0) return fail(r.path, "cannot stamp version: " + errno_text(-e));
  return std::nullopt;
}

std::optional<Error> PosixStore::xattr(const kml::Record& r) {
  if (std::string_view(r.path2).starts_with(kPrivateXattrPrefix))
    return fail(r.path, "attribute " + r.path2 + " is reserved for InterMezzo");
  auto p = parent_of(r.path);
  if (!p) return p.error();
  const auto proc = p->proc();
  if (r.op == Op::setxattr) {
    if (::lsetxattr(proc.c_str(), r.path2.c_str(), r.data.data(), r.data.size(), 0) != 0)
      return fail(r.path, "setxattr " + r.path2 + ": " + errno_text(errno));
  } else if (::lremovexattr(proc.c_str(), r.path2.c_str()) != 0 && errno != ENODATA) {
    return fail(r.path, "removexattr " + r.path2 + ": " + errno_text(errno));
  }
  return stamp(r.path, r.obj_new);
}

std::optional<Error> PosixStore::apply(const kml::Record& r, Origin origin) {
  switch (r.op) {
    case Op::noop: return std::nullopt;
    case Op::create:
    case Op::mkdir:
    case Op::symlink:
    case Op::mknod: return make(r);
    case Op::unlink: return remove(r.path, false);
    case Op::rmdir: return remove(r.path, true);
    case Op::rename: return rename(r);
    case Op::link: return link(r);
    case Op::setattr:
    case Op::close: return set_attrs(r, origin, true);
    case Op::setxattr:
    case Op::delxattr: return xattr(r);
  }
  return fail(r.path, "unknown operation");
}

std::optional<Error> PosixStore::force(const kml::Record& r) {
  // Whatever this replica holds that is not the record's base is discarded
  // (a conflict resolution kept it elsewhere first); content that cannot be
  // derived from the base is marked missing, to be fetched.
  switch (r.op) {
    case Op::create:
    case Op::mkdir:
    case Op::symlink:
    case Op::mknod:
      if (auto here = lookup(r.path)) {
        if (auto e = remove(r.path, here->type == ObjType::dir)) return e;
      }
      return make(r);
    case Op::unlink:
    case Op::rmdir:
      if (auto here = lookup(r.path)) return remove(r.path, here->type == ObjType::dir);
      return std::nullopt;
    case Op::rename:
    case Op::link: {
      const auto src = lookup(r.path);
      const auto dst = lookup(r.path2);
      const bool clean_target = !dst || (r.op == Op::rename && dst->version == r.target_old);
      if (src && src->version == r.obj_old && clean_target) return apply(r, Origin::remote);
      if (r.op == Op::rename && src) {
        if (auto e = remove(r.path, src->type == ObjType::dir)) return e;
      }
      break;
    }
    default: break;
  }
  const std::string& path = r.op == Op::rename || r.op == Op::link ? r.path2 : r.path;
  if (!lookup(path)) {
    // Made afresh from an update that does not describe the whole object: a
    // plain file of the writer's; the fetch brings the content.
    kml::Record fresh;
    fresh.op = Op::create;
    fresh.path = path;
    fresh.attrs.mode = 0100644;
    fresh.writer = r.writer;
    if (auto e = make(fresh)) return e;
  }
  const auto here = lookup(path);
  const bool based = here && here->version == r.obj_old;
  if (r.op == Op::setattr || r.op == Op::close) return set_attrs(r, Origin::remote, based);
  if (r.op == Op::setxattr || r.op == Op::delxattr) {
    if (auto e = xattr(r)) return e;
  }
  if (!based && here && here->type == ObjType::file) {
    kml::Record mark;
    mark.op = Op::setattr;
    mark.path = path;
    mark.obj_new = r.obj_new;
    return set_attrs(mark, Origin::remote, false);
  }
  return stamp(path, r.obj_new);
}

bool PosixStore::same_content(std::string_view a, std::string_view b) const {
  const auto x = lookup(a), y = lookup(b);
  if (!x || !y || x->type != ObjType::file || y->type != ObjType::file) return false;
  if (x->data_missing || y->data_missing || x->size != y->size) return false;
  Fd fa(openat2_beneath(root_fd_, std::string(a).c_str(), O_RDONLY));
  Fd fb(openat2_beneath(root_fd_, std::string(b).c_str(), O_RDONLY));
  if (fa.fd < 0 || fb.fd < 0) return false;
  char ba[1 << 15], bb[1 << 15];
  for (;;) {
    const auto n = read_full(fa.fd, ba, sizeof ba);
    const auto m = read_full(fb.fd, bb, sizeof bb);
    if (n < 0 || n != m) return false;
    if (n == 0) return true;
    if (std::memcmp(ba, bb, static_cast<std::size_t>(n)) != 0) return false;
  }
}

std::optional<Error> PosixStore::copy(std::string_view from, std::string_view to) {
  const auto src = lookup(from);
  if (!src) return fail(from, "does not exist");
  const auto dst = lookup(to);
  if (!dst) return fail(to, "does not exist");
  if (src->type != ObjType::file || dst->type != ObjType::file) return fail(from, "not a file");
  if (src->data_missing) return fail(from, "content not here yet");
  Fd in(openat2_beneath(root_fd_, std::string(from).c_str(), O_RDONLY));
  Fd out(openat2_beneath(root_fd_, std::string(to).c_str(), O_WRONLY));
  if (in.fd < 0 || out.fd < 0) return fail(from, "cannot open: " + errno_text(errno));
  touched(std::string(to));
  if (auto e = copy_bytes(in.fd, out.fd, to)) return e;
  struct stat st {};
  if (::fstat(in.fd, &st) == 0) {
    const timespec ts[2] = {{0, UTIME_OMIT}, st.st_mtim};
    ::futimens(out.fd, ts);
  }
  // The application's extended attributes go along; InterMezzo's do not.
  char names[1 << 16];
  const auto n = ::flistxattr(in.fd, names, sizeof names);
  for (ssize_t at = 0; n > 0 && at < n;) {
    const std::string name(names + at);
    at += static_cast<ssize_t>(name.size()) + 1;
    if (name.starts_with(kPrivateXattrPrefix)) continue;
    std::string value(IZO_KML_MAX_DATA, '\0');
    const auto len = ::fgetxattr(in.fd, name.c_str(), value.data(), value.size());
    if (len >= 0) ::fsetxattr(out.fd, name.c_str(), value.data(), static_cast<std::size_t>(len), 0);
  }
  return std::nullopt;
}

void PosixStore::install_data(std::string_view path, const Version& version, std::string_view token) {
  auto p = parent_of(path);
  if (!p) return;
  const Fd out = open_regular(p->dir, p->at(), O_WRONLY);
  struct stat before {};
  if (out.fd < 0 || ::fstat(out.fd, &before) != 0 || read_version_fd(out.fd) != version) return;
  Fd in(::open(std::string(token).c_str(), O_RDONLY | O_CLOEXEC));
  if (in.fd < 0) return;
  if (copy_bytes(in.fd, out.fd, path)) return;
  // The times are the version's attributes, not the install's.
  const timespec times[2] = {before.st_atim, before.st_mtim};
  if (::futimens(out.fd, times) != 0) return;
  touched(std::string(path));
  installed_.emplace_back(path, version);  // the mark goes at sync(), once the content is durable
}

std::vector<std::pair<std::string, Version>> PosixStore::missing_data() const {
  std::vector<std::pair<std::string, Version>> out;
  for (const auto& path : missing_) {
    const auto here = lookup(path);
    if (here && here->type == ObjType::file && here->data_missing) out.emplace_back(path, here->version);
  }
  return out;
}

std::optional<std::string> PosixStore::read_content(std::string_view path, const Version& version,
                                                    std::uint64_t limit) const {
  auto p = parent_of(path);
  if (!p) return std::nullopt;
  const Fd f = open_regular(p->dir, p->at(), O_RDONLY);
  struct stat st {};
  auto same_version = [&] { return read_version_fd(f.fd) == version && !content_missing_fd(f.fd); };
  if (f.fd < 0 || ::fstat(f.fd, &st) != 0 || static_cast<std::uint64_t>(st.st_size) > limit || !same_version())
    return std::nullopt;
  std::string out(static_cast<std::size_t>(st.st_size), '\0');
  std::size_t got = 0;
  while (got < out.size()) {
    const auto n = ::pread(f.fd, out.data() + got, out.size() - got, static_cast<off_t>(got));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return std::nullopt;  // cut short while read: not this version's whole content
    got += static_cast<std::size_t>(n);
  }
  char more;
  if (::pread(f.fd, &more, 1, static_cast<off_t>(got)) != 0) return std::nullopt;  // grew meanwhile
  // A writer may have moved the file on while it was read: then this is not
  // that version's content, and the receiver fetches what it needs.
  if (!same_version()) return std::nullopt;
  return out;
}

int PosixStore::open_for_read(std::string_view path) const {
  const int fd = openat2_beneath(root_fd_, std::string(path).c_str(), O_RDONLY);
  return fd >= 0 ? fd : -errno;
}

int PosixStore::fsync_object(const std::string& path) {
  if (path.empty()) return ::fsync(root_fd_) == 0 ? 0 : -1;
  auto p = parent_of(path);
  if (!p) return 0;  // its folder is gone, and with it the object (that folder's parent was touched)
  struct stat st {};
  if (::fstatat(p->dir, p->at(), &st, AT_SYMLINK_NOFOLLOW) != 0) return errno == ENOENT ? 0 : -1;
  const Fd f = open_object(p->dir, p->at(), st.st_mode);  // none for a symlink or device node
  return f.fd >= 0 && ::fsync(f.fd) == 0 ? 0 : -1;
}

void PosixStore::sync() {
  bool durable = false;
  const auto changed = std::exchange(touched_, {});
  if (changed.size() <= kMaxFsyncs) {
    durable = std::all_of(changed.begin(), changed.end(), [&](const std::string& t) { return fsync_object(t) == 0; });
    if (durable) sync_counts_.fsyncs += changed.size();
  }
  if (!durable) {
    ++sync_counts_.syncfs;
    if (::syncfs(root_fd_) != 0) {  // the marks stay: the content is fetched again
      touched_.insert(changed.begin(), changed.end());
      return;
    }
  }
  // Only once the content is durable does the mark go. Its removal becomes
  // durable at the next sync; a crash before that only fetches it again.
  for (const auto& [path, version] : installed_) {
    auto p = parent_of(path);
    if (!p) continue;
    const Fd f = open_regular(p->dir, p->at(), O_RDONLY);
    if (f.fd < 0 || read_version_fd(f.fd) != version) continue;  // moved on since
    if (mark_content_missing_fd(f.fd, false) == 0) {
      missing_.erase(path);
      arrived_.push_back(path);
    }
  }
  installed_.clear();
}

void PosixStore::forget_missing_under(const std::string& path) {
  std::erase_if(missing_, [&](const std::string& p) { return at_or_under(p, path); });
}

void PosixStore::move_missing(const std::string& from, const std::string& to) {
  std::vector<std::string> moved;
  for (auto it = missing_.begin(); it != missing_.end();) {
    if (!at_or_under(*it, from)) {
      ++it;
      continue;
    }
    moved.push_back(to + it->substr(from.size()));
    it = missing_.erase(it);
  }
  missing_.insert(moved.begin(), moved.end());
}

}  // namespace izo::posix
