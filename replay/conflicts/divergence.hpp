// Two replicas that diverged while disconnected, as their KMLs say: the
// server's whole KML, the client's whole KML (its own updates), and how far
// each had the other's updates when the link went (the counters last_rcvd
// keeps). Everything a conflict replay needs, whether it comes from captured
// KML files or from a scenario script.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "kml/record.hpp"
#include "replica/journal.hpp"
#include "replica/memory_store.hpp"
#include "util/result.hpp"

namespace izo::replay::conflicts {

using replica::HostId;

struct Divergence {
  HostId server_id = 0;
  HostId client_id = 0;
  std::vector<kml::Record> server;  // the server's KML: recno 1, 2, ...
  std::vector<kml::Record> client;  // the client's KML: its own updates, recno 1, 2, ...
  // The last server record the client had applied when they parted (its
  // next-to-expect from the server, less one).
  std::uint64_t server_through = 0;
  // The last client record the server had applied (its next-to-expect from
  // the client, less one).
  std::uint64_t client_through = 0;
  // What each close wrote, by (origin, origin_recno). A close missing here
  // gets made-up content naming its record (see content_of).
  std::map<std::pair<HostId, std::uint64_t>, std::string> contents;
};

// The content the close `r` wrote: from `contents`, or else made up from the
// record's origin and number, so that two contents are equal exactly when
// the same close wrote them (a KML holds sizes, not bytes).
std::string content_of(const Divergence& d, const kml::Record& r);

// `store` carries out `r` as Presto made it on its host: applied as a local
// update, with the content its close wrote (content_of).
std::optional<Error> apply_as_made(replica::MemoryStore& store, const Divergence& d, const kml::Record& r);

// Whether the KMLs and counters describe two replicas that can have parted
// this way: record numbers in order from 1, the client's records all its
// own, counters within the logs, every client record the server had by
// client_through present in the server's KML and none after. nullopt: sound.
std::optional<Error> check(const Divergence& d);

struct LoadOptions {
  std::uint64_t server_through = 0;
  std::uint64_t client_through = 0;
  std::optional<HostId> server_id;  // default: the origin of the first record the server made itself
  std::optional<HostId> client_id;  // default: the client KML's records say
};

// Reads both KML files (a torn tail is cut as recovery would; damage is an
// error naming the file and offset) and checks the result.
Result<Divergence> load_divergence(const std::filesystem::path& server_kml,
                                   const std::filesystem::path& client_kml, const LoadOptions& o);

}  // namespace izo::replay::conflicts
