// What Presto does for one update, in memory: stamp the record with the
// version it produces ({host, next record number}), apply it to the store,
// write the content of a closed file, journal it and make both durable.
// Shared by MiniWorld and the simulator (model/).
#pragma once

#include <optional>
#include <string>

#include "replica/memory_ports.hpp"
#include "replica/memory_store.hpp"

namespace izo::replica::testing {

// Returns the stamped record as journaled, or why the store refused it
// (then nothing was journaled).
Result<kml::Record> presto_update(MemoryStore& store, MemoryJournal& journal, HostId host,
                                  kml::Record r, const std::string* content = nullptr);

}  // namespace izo::replica::testing
