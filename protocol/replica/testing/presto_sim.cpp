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

}  // namespace izo::replica::testing
