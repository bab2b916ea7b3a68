#include "conflicts/divergence.hpp"

#include "kml/scan.hpp"
#include "posix/kml_file.hpp"

namespace izo::replay::conflicts {
namespace {

std::string where(const char* side, const kml::Record& r) {
  return std::string(side) + " KML record " + std::to_string(r.recno) + " (" + std::string(kml::op_name(r.op)) +
         " " + r.path + ")";
}

Result<std::vector<kml::Record>> read_kml(const std::filesystem::path& path) {
  auto file = posix::MappedFile::open(path);
  if (!file) return Error{path.string() + ": " + file.error().message, file.error().offset};
  std::vector<kml::Record> records;
  std::optional<Error> bad;
  const auto scan = kml::scan_forward(file->bytes(), [&](const kml::Frame& f) {
    auto r = kml::decode(f.bytes);
    if (!r) {
      bad = Error{path.string() + ": record at offset " + std::to_string(f.offset) + ": " + r.error().message,
                  f.offset};
      return false;
    }
    records.push_back(std::move(*r));
    return true;
  });
  if (bad) return *bad;
  if (scan.tail == kml::Tail::corrupt)
    return Error{path.string() + ": damaged after offset " + std::to_string(scan.good_end) +
                     " with good records after the damage (kmldump --check says more)",
                 scan.good_end};
  return records;
}

}  // namespace

std::string content_of(const Divergence& d, const kml::Record& r) {
  const auto it = d.contents.find({r.origin, r.origin_recno});
  if (it != d.contents.end()) return it->second;
  return "written by host " + std::to_string(r.origin) + " in its record " + std::to_string(r.origin_recno) + "\n";
}

std::optional<Error> apply_as_made(replica::MemoryStore& store, const Divergence& d, const kml::Record& r) {
  if (auto e = store.apply(r, replica::Origin::local)) return e;
  if (r.op == kml::Op::close) return store.write_content(r.path, content_of(d, r));
  return std::nullopt;
}

std::optional<Error> check(const Divergence& d) {
  if (d.server_id == 0 || d.client_id == 0) return Error{"the server's and the client's host ids must be known", 0};
  if (d.server_id == d.client_id) return Error{"the server and the client have one host id", 0};
  for (std::size_t i = 0; i < d.server.size(); ++i)
    if (d.server[i].recno != i + 1)
      return Error{where("server", d.server[i]) + ": expected record number " + std::to_string(i + 1), 0};
  for (std::size_t i = 0; i < d.client.size(); ++i) {
    const auto& r = d.client[i];
    if (r.recno != i + 1) return Error{where("client", r) + ": expected record number " + std::to_string(i + 1), 0};
    if (r.origin != d.client_id || r.origin_recno != r.recno)
      return Error{where("client", r) + ": made by host " + std::to_string(r.origin) +
                       ", not the client's own update; a client's KML holds only its own",
                   0};
  }
  if (d.server_through > d.server.size())
    return Error{"the client had the server's records through " + std::to_string(d.server_through) +
                     " but the server's KML ends at " + std::to_string(d.server.size()),
                 0};
  if (d.client_through > d.client.size())
    return Error{"the server had the client's records through " + std::to_string(d.client_through) +
                     " but the client's KML ends at " + std::to_string(d.client.size()),
                 0};
  // The client's updates the server holds: each of 1..client_through once,
  // in order, and nothing later.
  std::uint64_t next = 1;
  for (const auto& r : d.server) {
    if (r.origin != d.client_id) continue;
    if (r.origin_recno != next)
      return Error{where("server", r) + ": the client's record " + std::to_string(r.origin_recno) + " where " +
                       std::to_string(next) + " was due",
                   0};
    ++next;
  }
  if (next - 1 != d.client_through)
    return Error{"the server's KML holds the client's records through " + std::to_string(next - 1) +
                     ", but the server had them through " + std::to_string(d.client_through),
                 0};
  return std::nullopt;
}

Result<Divergence> load_divergence(const std::filesystem::path& server_kml, const std::filesystem::path& client_kml,
                                   const LoadOptions& o) {
  auto server = read_kml(server_kml);
  if (!server) return server.error();
  auto client = read_kml(client_kml);
  if (!client) return client.error();
  Divergence d;
  d.server = std::move(*server);
  d.client = std::move(*client);
  d.server_through = o.server_through;
  d.client_through = o.client_through;
  if (o.client_id) {
    d.client_id = *o.client_id;
  } else if (!d.client.empty()) {
    d.client_id = d.client.front().origin;
  } else {
    return Error{client_kml.string() + " holds no record: say the client's host id (--client-id)", 0};
  }
  if (o.server_id) {
    d.server_id = *o.server_id;
  } else {
    for (const auto& r : d.server)
      if (r.origin != d.client_id && r.origin_recno == r.recno) {
        d.server_id = r.origin;
        break;
      }
    if (d.server_id == 0)
      return Error{server_kml.string() + " holds no update of the server's own: say its host id (--server-id)", 0};
  }
  if (auto e = check(d)) return *e;
  return d;
}

}  // namespace izo::replay::conflicts
