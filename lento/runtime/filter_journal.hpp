// The engine's Journal port in lento: the fileset's KML, which the Presto
// filter writes. Lento reads the file (an index of record offsets, grown as
// the file grows) and appends through the filter (JOURNAL, SYNC), so the
// filter stays the only writer and record order is the order updates took
// effect. The durable end is what the filter last announced (ATTACHED,
// KML_WRITTEN) or reported (SYNC).
//
// Appends are pipelined: append() writes the JOURNAL request and returns;
// up to kInFlight requests wait for their answers, which are taken (and
// the file's index grown) when the window is full and before anything
// reads the journal. A record is in the filter's channel before the engine
// applies it to the store, so if lento dies the filter still appends every
// record whose update lento made (it reads its channel to the end). One
// round trip per record cost more than applying the record (measured in
// issue 6's reintegration benchmark: the filter spent 42 us a record
// waking up); a window shares that cost among its records.
#pragma once

#include <deque>
#include <filesystem>
#include <map>
#include <vector>

#include "replica/journal.hpp"
#include "runtime/presto_link.hpp"

namespace izo::lento {

class FilterJournal final : public replica::Journal {
 public:
  static Result<std::unique_ptr<FilterJournal>> open(const std::filesystem::path& kml, PrestoLink& link,
                                                     std::uint64_t durable);
  ~FilterJournal() override;
  FilterJournal(const FilterJournal&) = delete;
  FilterJournal& operator=(const FilterJournal&) = delete;

  std::uint64_t last_recno() const override;
  std::uint64_t durable_recno() const override;
  // Throws std::runtime_error if the filter cannot journal a record (this
  // one, or one still in flight): an update may be made but not journaled,
  // and the fileset must stop.
  void append(kml::Record r) override;
  // Sends SYNC and returns: the filter's fdatasync of the KML runs while
  // the engine syncs its store (the engine's make_durable calls the two in
  // turn). Whatever looks at the journal next (durable_recno, read, ...)
  // waits for the answer first, so nothing sees the KML durable before it is.
  void sync() override;
  // Waits for every request in flight to be answered (throws as append).
  // lento settles at the end of each engine step, so errors surface in it.
  void settle() const;
  std::size_t in_flight() const { return in_flight_.size(); }

  static constexpr std::size_t kInFlight = 64;
  std::vector<kml::Record> read(std::uint64_t from, std::size_t max) const override;
  std::uint64_t last_from(replica::HostId origin) const override;

  // The filter announced records durable through `recno`.
  void durable_through(std::uint64_t recno);
  std::uint64_t size_bytes() const;
  // Bytes of the records after `recno` (a peer's lag).
  std::uint64_t bytes_after(std::uint64_t recno) const;

 private:
  FilterJournal(std::filesystem::path path, int fd, PrestoLink& link) : path_(std::move(path)), fd_(fd), link_(link) {}
  // Indexes the whole records the file has gained since the last look.
  void refresh() const;

  std::filesystem::path path_;
  int fd_ = -1;
  PrestoLink& link_;
  mutable std::uint64_t durable_ = 0;
  mutable std::vector<std::uint64_t> offsets_;  // record n starts at offsets_[n - 1]
  mutable std::uint64_t end_ = 0;               // just after the last whole record
  mutable std::map<replica::HostId, std::uint64_t> last_from_;
  struct InFlight {
    std::uint64_t id;
    replica::HostId origin;  // 0: this host's own (numbered by the filter)
    std::uint64_t origin_recno;
  };
  mutable std::deque<InFlight> in_flight_;
  mutable std::optional<std::uint64_t> sync_in_flight_;  // the SYNC request's id
};

}  // namespace izo::lento
