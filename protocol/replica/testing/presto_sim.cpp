#include "replica/testing/presto_sim.hpp"

namespace izo::replica::testing {

Result<kml::Record> presto_update(MemoryStore& store, MemoryJournal& journal, HostId host,
                                  kml::Record r, const std::string* content) {
  r.writer = {1, 1000, 1000};
  r.obj_new = Version{host, journal.last_recno() + 1};
  if (r.op == kml::Op::unlink || r.op == kml::Op::rmdir) r.obj_new = Version{};
  if (auto e = store.apply(r, Origin::local)) return *std::move(e);
  if (content) {
    if (auto e = store.write_content(r.path, *content)) return *std::move(e);
  }
  journal.append(r);
  journal.sync();
  store.sync();
  return r;
}

namespace {
kml::Record named(kml::Op op, const std::string& path) {
  kml::Record r;
  r.op = op;
  r.path = path;
  return r;
}

std::optional<kml::Record> of_existing(const StoreView& tree, kml::Op op, const std::string& path) {
  const auto obj = tree.lookup(path);
  if (!obj) return std::nullopt;
  kml::Record r = named(op, path);
  r.obj_old = obj->version;
  return r;
}
}  // namespace

kml::Record create_record(const std::string& path, std::uint32_t mode) {
  kml::Record r = named(kml::Op::create, path);
  r.attrs.mode = mode;
  return r;
}

kml::Record mkdir_record(const std::string& path, std::uint32_t mode) {
  kml::Record r = named(kml::Op::mkdir, path);
  r.attrs.mode = mode;
  return r;
}

kml::Record symlink_record(const std::string& path, const std::string& target) {
  kml::Record r = named(kml::Op::symlink, path);
  r.path2 = target;
  r.attrs.mode = 0120777;
  return r;
}

std::optional<kml::Record> close_record(const StoreView& tree, const std::string& path, std::uint64_t size) {
  auto r = of_existing(tree, kml::Op::close, path);
  if (!r) return r;
  r->attrs.valid = IZO_ATTR_SIZE;
  r->attrs.size = size;
  return r;
}

std::optional<kml::Record> unlink_record(const StoreView& tree, const std::string& path) {
  return of_existing(tree, kml::Op::unlink, path);
}

std::optional<kml::Record> rmdir_record(const StoreView& tree, const std::string& path) {
  return of_existing(tree, kml::Op::rmdir, path);
}

std::optional<kml::Record> rename_record(const StoreView& tree, const std::string& from, const std::string& to) {
  auto r = of_existing(tree, kml::Op::rename, from);
  if (!r) return r;
  r->path2 = to;
  if (auto t = tree.lookup(to)) r->target_old = t->version;
  return r;
}

std::optional<kml::Record> chmod_record(const StoreView& tree, const std::string& path, std::uint32_t permissions) {
  auto r = of_existing(tree, kml::Op::setattr, path);
  if (!r) return r;
  const auto obj = tree.lookup(path);
  r->attrs.valid = IZO_ATTR_MODE;
  r->attrs.mode = (obj->mode & ~07777u) | (permissions & 07777u);
  return r;
}

}  // namespace izo::replica::testing
