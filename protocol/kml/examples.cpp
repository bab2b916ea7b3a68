#include "kml/examples.hpp"

#include <string>

namespace izo::kml {

std::vector<Record> example_records() {
  const Identity w{4242, 1000, 1000};
  const std::int64_t t = 1'700'000'000'000'000'000;
  const Version v1{7, 1}, v2{7, 2}, d1{7, 10}, d2{7, 11};
  auto rec = [&](Op op, std::string path) {
    Record r;
    r.op = op;
    r.writer = w;
    r.time_ns = t;
    r.path = std::move(path);
    r.parent_old = d1;
    r.parent_new = d2;
    return r;
  };
  std::vector<Record> out;
  out.push_back(rec(Op::noop, ""));
  auto& create = out.emplace_back(rec(Op::create, "docs/readme.txt"));
  create.obj_new = v1;
  create.attrs.mode = 0100644;
  auto& mkdir = out.emplace_back(rec(Op::mkdir, "docs/sub"));
  mkdir.obj_new = v1;
  mkdir.attrs.mode = 040755;
  auto& unlink = out.emplace_back(rec(Op::unlink, "docs/old.txt"));
  unlink.obj_old = v1;
  auto& rmdir = out.emplace_back(rec(Op::rmdir, "docs/empty"));
  rmdir.obj_old = v1;
  auto& rename = out.emplace_back(rec(Op::rename, "docs/a.txt"));
  rename.path2 = "archive/a.txt";
  rename.obj_old = v1;
  rename.obj_new = v2;
  rename.tparent_old = Version{7, 20};
  rename.tparent_new = Version{7, 21};
  rename.target_old = Version{9, 3};
  auto& link = out.emplace_back(rec(Op::link, "docs/a.txt"));
  link.path2 = "docs/hard.txt";
  link.obj_old = v1;
  link.obj_new = v2;
  link.tparent_old = d1;
  link.tparent_new = d2;
  auto& symlink = out.emplace_back(rec(Op::symlink, "docs/latest"));
  symlink.path2 = "../elsewhere/target";
  symlink.obj_new = v1;
  symlink.attrs.mode = 0120777;
  auto& mknod = out.emplace_back(rec(Op::mknod, "dev/fifo"));
  mknod.obj_new = v1;
  mknod.attrs.mode = 010644;
  mknod.attrs.rdev = 0;
  auto& setattr = out.emplace_back(rec(Op::setattr, "docs/readme.txt"));
  setattr.obj_old = v1;
  setattr.obj_new = v2;
  setattr.attrs = {IZO_ATTR_MODE | IZO_ATTR_UID | IZO_ATTR_GID | IZO_ATTR_SIZE | IZO_ATTR_ATIME |
                       IZO_ATTR_MTIME,
                   0100600, 1001, 1002, 12345, t - 5, t - 3, 0};
  auto& close = out.emplace_back(rec(Op::close, "docs/readme.txt"));
  close.obj_old = v1;
  close.obj_new = v2;
  close.attrs.valid = IZO_ATTR_SIZE | IZO_ATTR_MTIME;
  close.attrs.size = 4096;
  close.attrs.mtime_ns = t;
  auto& setxattr = out.emplace_back(rec(Op::setxattr, "docs/readme.txt"));
  setxattr.path2 = "user.comment";
  setxattr.data = std::string("binary\0value", 12);
  setxattr.flags = IZO_KML_FLAG_XATTR_CREATE;
  setxattr.obj_old = v1;
  setxattr.obj_new = v2;
  auto& delxattr = out.emplace_back(rec(Op::delxattr, ""));
  delxattr.path2 = "user.comment";
  delxattr.obj_old = v1;
  delxattr.obj_new = v2;
  for (auto& r : out) {
    if (r.path.empty()) r.parent_old = r.parent_new = kNoVersion;  // the root has no parent
  }
  return out;
}

std::vector<Record> example_workload(std::size_t count, std::uint64_t first_recno) {
  const auto base = example_records();
  std::vector<Record> out;
  out.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    Record r = base[i % base.size()];
    r.recno = first_recno + i;
    r.origin = 7;
    r.origin_recno = r.recno;
    r.time_ns += static_cast<std::int64_t>(i);
    if (!r.path.empty()) r.path += "." + std::to_string(i);
    if (r.obj_new.exists()) r.obj_new.seq += i;
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace izo::kml
