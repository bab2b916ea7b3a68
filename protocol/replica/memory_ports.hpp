// Journal and LastRcvd held in memory with a disk's durability (crash()
// loses what was not synced), for the tests and the simulator.
#pragma once

#include <functional>
#include <map>

#include "replica/journal.hpp"
#include "replica/last_rcvd.hpp"

namespace izo::replica {

class MemoryJournal final : public Journal {
 public:
  explicit MemoryJournal(HostId self) : self_(self) {}
  std::uint64_t last_recno() const override { return records_.size(); }
  std::uint64_t durable_recno() const override { return durable_; }
  void append(kml::Record r) override;
  void sync() override;
  std::vector<kml::Record> read(std::uint64_t from, std::size_t max) const override;
  std::uint64_t last_from(HostId origin) const override;

  void crash();  // records after the last sync are gone
  // A machine crash that kept the first `n` records (never fewer than were
  // synced: the disk may have written some of the rest before it stopped).
  void crash_keeping(std::uint64_t n);
  // Called after every append and sync() (see MemoryStore::on_change).
  std::function<void()> on_change;
  const std::vector<kml::Record>& records() const { return records_; }
  // Every record and the durable mark: the model checker's fingerprint.
  std::string canonical_state() const;

 private:
  HostId self_;
  std::vector<kml::Record> records_;
  std::uint64_t durable_ = 0;
};

class MemoryLastRcvd final : public LastRcvd {
 public:
  LastRcvdState load() const override { return state_; }
  void persist(const LastRcvdState& s) override { state_ = s; }

 private:
  LastRcvdState state_;
};

}  // namespace izo::replica
