#include "runtime/filter_journal.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
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
  refresh();
  return offsets_.size();
}

std::uint64_t FilterJournal::durable_recno() const { return std::min<std::uint64_t>(durable_, last_recno()); }

void FilterJournal::durable_through(std::uint64_t recno) { durable_ = std::max(durable_, recno); }

std::uint64_t FilterJournal::size_bytes() const {
  refresh();
  return end_;
}

std::uint64_t FilterJournal::bytes_after(std::uint64_t recno) const {
  refresh();
  return recno >= offsets_.size() ? 0 : end_ - offsets_[recno];
}

std::uint64_t FilterJournal::append(kml::Record r) {
  auto n = link_.journal(r);
  if (!n) throw std::runtime_error("cannot journal " + std::string(kml::op_name(r.op)) + " " + r.path + ": " + n.error().message);
  refresh();
  if (offsets_.size() < *n)
    throw std::runtime_error("the filter journaled record " + std::to_string(*n) + " but " + path_.string() +
                             " holds " + std::to_string(offsets_.size()));
  return *n;
}

void FilterJournal::sync() {
  auto n = link_.sync();
  if (!n) throw std::runtime_error("cannot make the KML durable: " + n.error().message);
  durable_through(*n);
}

std::vector<kml::Record> FilterJournal::read(std::uint64_t from, std::size_t max) const {
  std::vector<kml::Record> out;
  const auto last = durable_recno();
  for (auto n = std::max<std::uint64_t>(from, 1); n <= last && out.size() < max; ++n) {
    const auto start = offsets_[n - 1];
    const auto stop = n < offsets_.size() ? offsets_[n] : end_;
    std::vector<std::uint8_t> bytes(stop - start);
    if (::pread(fd_, bytes.data(), bytes.size(), static_cast<off_t>(start)) != static_cast<ssize_t>(bytes.size()))
      throw std::runtime_error("cannot read record " + std::to_string(n) + " of " + path_.string());
    auto r = kml::decode(bytes);
    if (!r) throw std::runtime_error(path_.string() + ": record " + std::to_string(n) + ": " + r.error().message);
    out.push_back(std::move(*r));
  }
  return out;
}

std::uint64_t FilterJournal::last_from(replica::HostId origin) const {
  refresh();
  auto it = last_from_.find(origin);
  return it == last_from_.end() ? 0 : it->second;
}

}  // namespace izo::lento
