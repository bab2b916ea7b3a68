// What Presto does for one update, in memory: stamp the record with the
// version it produces ({host, next record number}), apply it to the store,
// write the content of a closed file, journal it and make both durable.
// Shared by MiniWorld, the simulator (model/) and the conflict replays
// (replay/conflicts), with the records Presto journals for the common
// updates, filled in from the tree as it stands.
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

// The records of the common updates, before presto_update stamps them. Those
// that name an existing object take its version from `tree`; they return
// nullopt when it is not there.
kml::Record create_record(const std::string& path, std::uint32_t mode = 0100644);
kml::Record mkdir_record(const std::string& path, std::uint32_t mode = 040755);
kml::Record symlink_record(const std::string& path, const std::string& target);
std::optional<kml::Record> close_record(const StoreView& tree, const std::string& path,
                                        std::uint64_t size);
std::optional<kml::Record> unlink_record(const StoreView& tree, const std::string& path);
std::optional<kml::Record> rmdir_record(const StoreView& tree, const std::string& path);
std::optional<kml::Record> rename_record(const StoreView& tree, const std::string& from,
                                         const std::string& to);
std::optional<kml::Record> chmod_record(const StoreView& tree, const std::string& path,
                                        std::uint32_t permissions);

}  // namespace izo::replica::testing
