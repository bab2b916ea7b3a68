#include "runtime/filter_journal.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <span>
#include <stdexcept>

#include "kml/scan.hpp"

namespace izo::lento {

Result<std::unique_ptr<FilterJournal>> FilterJournal::open(const std::filesystem::path& kml, PrestoLink& link,
                                                           std::uint64_t durable) {
  const int fd = ::open(kml.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Error{"cannot read the KML " + kml.string() + ": " + std::strerror(errno), 0};
  std::unique_ptr<FilterJournal> j(new FilterJournal(kml, fd, link));
  j->refresh();
  j->durable_ = durable;
  if (j->offsets_.size() < durable)
    return Error{kml.string() + " holds " + std::to_string(j->offsets_.size()) + " records but the filter says " +
                     std::to_string(durable) + " are durable",
                 0};
  return j;
}

FilterJournal::~FilterJournal() { ::close(fd_); }

void FilterJournal::refresh() const {
  struct stat st {};
  if (::fstat(fd_, &st) != 0 || static_cast<std::uint64_t>(st.st_size) <= end_) return;
  std::vector<std::uint8_t> tail(static_cast<std::size_t>(st.st_size) - end_);
  const auto n = ::pread(fd_, tail.data(), tail.size(), static_cast<off_t>(end_));
  if (n <= 0) return;
  tail.resize(static_cast<std::size_t>(n));
  std::size_t at = 0;
  while (at < tail.size()) {
    // A record the filter is still writing is not whole yet: stop there.
    auto frame = kml::frame_at(tail, at);
    if (!frame) break;
    auto r = kml::decode(frame->bytes);
    if (!r) break;
    offsets_.push_back(end_ + at);
    auto& last = last_from_[r->origin];
    last = std::max(last, r->origin_recno);
    at += frame->len;
  }
  end_ += at;
}

std::uint64_t FilterJournal::last_recno() const {
  settle();
  refresh();
  return offsets_.size();
}

std::uint64_t FilterJournal::durable_recno() const { return std::min<std::uint64_t>(durable_, last_recno()); }

void FilterJournal::durable_through(std::uint64_t recno) { durable_ = std::max(durable_, recno); }

std::uint64_t FilterJournal::size_bytes() const {
  settle();
  refresh();
  return end_;
}

std::uint64_t FilterJournal::bytes_after(std::uint64_t recno) const {
  settle();
  refresh();
  return recno >= offsets_.size() ? 0 : end_ - offsets_[recno];
}

void FilterJournal::append(kml::Record r) {
  if (in_flight_.size() >= kInFlight) settle();
  auto id = link_.send_journal(r);
  if (!id) throw std::runtime_error("cannot journal " + std::string(kml::op_name(r.op)) + " " + r.path + ": " + id.error().message);
  in_flight_.push_back({*id, r.origin, r.origin_recno});
}

void FilterJournal::settle() const {
  if (sync_in_flight_) {  // sync() settled the appends before it; later ones are answered after it
    const auto id = *sync_in_flight_;
    sync_in_flight_.reset();
    auto n = link_.await_journaled(id);
    if (!n) throw std::runtime_error("cannot make the KML durable: " + n.error().message);
    durable_ = std::max(durable_, *n);
  }
  if (in_flight_.empty()) return;
  std::uint64_t last = 0;
  while (!in_flight_.empty()) {
    auto n = link_.await_journaled(in_flight_.front().id);
    if (!n) {
      const auto lost = in_flight_.size();
      in_flight_.clear();
      throw std::runtime_error("cannot journal (" + std::to_string(lost) + " records unanswered): " + n.error().message);
    }
    last = std::max(last, *n);
    in_flight_.pop_front();
  }
  refresh();
  if (offsets_.size() < last)
    throw std::runtime_error("the filter journaled record " + std::to_string(last) + " but " + path_.string() +
                             " holds " + std::to_string(offsets_.size()));
}

void FilterJournal::sync() {
  settle();
  auto id = link_.send_sync();
  if (!id) throw std::runtime_error("cannot make the KML durable: " + id.error().message);
  sync_in_flight_ = *id;
}

std::vector<kml::Record> FilterJournal::read(std::uint64_t from, std::size_t max) const {
  std::vector<kml::Record> out;
  const auto first = std::max<std::uint64_t>(from, 1);
  const auto durable = durable_recno();
  if (max == 0 || first > durable) return out;
  const auto last = first + std::min<std::uint64_t>(durable - first, max - 1);
  // The records from `first` to `last` lie end to end: one read for all.
  const auto start = offsets_[first - 1];
  const auto stop = last < offsets_.size() ? offsets_[last] : end_;
  std::vector<std::uint8_t> bytes(stop - start);
  if (::pread(fd_, bytes.data(), bytes.size(), static_cast<off_t>(start)) != static_cast<ssize_t>(bytes.size()))
    throw std::runtime_error("cannot read records " + std::to_string(first) + "-" + std::to_string(last) + " of " +
                             path_.string());
  for (auto n = first; n <= last; ++n) {
    const auto at = offsets_[n - 1] - start;
    const auto len = (n < offsets_.size() ? offsets_[n] : end_) - offsets_[n - 1];
    auto r = kml::decode(std::span(bytes).subspan(at, len));
    if (!r) throw std::runtime_error(path_.string() + ": record " + std::to_string(n) + ": " + r.error().message);
    out.push_back(std::move(*r));
  }
  return out;
}

std::uint64_t FilterJournal::last_from(replica::HostId origin) const {
  // A record of this host's own is numbered by the filter: wait for it.
  if (std::any_of(in_flight_.begin(), in_flight_.end(), [](const InFlight& f) { return f.origin == 0; })) settle();
  refresh();
  auto it = last_from_.find(origin);
  std::uint64_t last = it == last_from_.end() ? 0 : it->second;
  for (const auto& f : in_flight_)
    if (f.origin == origin) last = std::max(last, f.origin_recno);
  return last;
}

}  // namespace izo::lento
