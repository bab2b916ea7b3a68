// The engine's Journal port in lento: the fileset's KML, which the Presto
// filter writes. Lento reads the file (an index of record offsets, grown as
// the file grows) and appends through the filter (JOURNAL, SYNC), so the
// filter stays the only writer and record order is the order updates took
// effect. The durable end is what the filter last announced (ATTACHED,
// KML_WRITTEN) or reported (SYNC).
#pragma once

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
  // Throws std::runtime_error if the filter cannot journal the record: the
  // update is made but not journaled, and the fileset must stop.
  std::uint64_t append(kml::Record r) override;
  void sync() override;
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
  std::uint64_t durable_ = 0;
  mutable std::vector<std::uint64_t> offsets_;  // record n starts at offsets_[n - 1]
  mutable std::uint64_t end_ = 0;               // just after the last whole record
  mutable std::map<replica::HostId, std::uint64_t> last_from_;
};

}  // namespace izo::lento
