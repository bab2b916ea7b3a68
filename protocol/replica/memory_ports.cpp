#include "replica/memory_ports.hpp"

#include <algorithm>

#include "replica/canonical_text.hpp"

namespace izo::replica {

void MemoryJournal::append(kml::Record r) {
  r.recno = records_.size() + 1;
  if (r.origin == 0) {
    r.origin = self_;
    r.origin_recno = r.recno;
  }
  records_.push_back(std::move(r));
  if (on_change) on_change();
}

void MemoryJournal::sync() {
  durable_ = records_.size();
  if (on_change) on_change();
}

std::vector<kml::Record> MemoryJournal::read(std::uint64_t from, std::size_t max) const {
  std::vector<kml::Record> out;
  for (std::uint64_t n = std::max<std::uint64_t>(from, 1); n <= durable_ && out.size() < max; ++n)
    out.push_back(records_[n - 1]);
  return out;
}

std::uint64_t MemoryJournal::last_from(HostId origin) const {
  for (auto it = records_.rbegin(); it != records_.rend(); ++it)
    if (it->origin == origin) return it->origin_recno;
  return 0;
}

void MemoryJournal::crash() { records_.resize(durable_); }

void MemoryJournal::crash_keeping(std::uint64_t n) {
  records_.resize(std::clamp<std::uint64_t>(n, durable_, records_.size()));
  durable_ = records_.size();
}

std::string MemoryJournal::canonical_state() const {
  std::string out = "journal durable=" + std::to_string(durable_) + " ";
  for (const auto& r : records_) append_record(out, r);
  out += '\n';
  return out;
}

}  // namespace izo::replica
