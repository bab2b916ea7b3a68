// The Journal port: this host's KML for one fileset, as the engine sees it.
// Presto appends the local updates; the engine appends what it journals itself
// (on a server, the updates it applies for replicators; anywhere, conflict
// copies). lento binds it to the KML file, model/ to a simulated disk.
#pragma once

#include <cstdint>
#include <vector>

#include "kml/record.hpp"

namespace izo::replica {

using HostId = std::uint64_t;

class Journal {
 public:
  virtual ~Journal() = default;
  virtual std::uint64_t last_recno() const = 0;
  virtual std::uint64_t durable_recno() const = 0;
  // Appends `r`, giving it the next record number; a record with origin 0 is
  // this host's own (origin and origin_recno are filled in). Every later call
  // of this port sees it (an implementation may still be writing it: lento
  // pipelines its appends to the filter, see FilterJournal).
  virtual void append(kml::Record r) = 0;
  virtual void sync() = 0;
  // Up to `max` durable records from number `from` on.
  virtual std::vector<kml::Record> read(std::uint64_t from, std::size_t max) const = 0;
  // The highest origin_recno journaled here from `origin` (0: none).
  virtual std::uint64_t last_from(HostId origin) const = 0;
};

}  // namespace izo::replica
