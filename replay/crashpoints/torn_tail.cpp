#include "crashpoints/torn_tail.hpp"

#include <algorithm>
#include <set>
#include <stdexcept>

#include "kml/scan.hpp"

namespace izo::replay::crashpoints {

namespace {
std::vector<std::uint8_t> encoded(const kml::Record& r) {
  std::vector<std::uint8_t> out;
  if (auto n = kml::encode(r, out); !n)
    throw std::invalid_argument("record " + std::to_string(r.recno) + " cannot be encoded: " + n.error().message);
  return out;
}
}  // namespace

std::vector<TornTail> torn_tails(const kml::Record& next) {
  const auto whole = encoded(next);
  std::vector<TornTail> out;
  std::set<std::size_t> cuts;
  for (std::size_t n : {std::size_t{1}, std::size_t{8}, std::size_t{16}, whole.size() / 2, whole.size() - 1})
    if (n > 0 && n < whole.size() && cuts.insert(n).second)
      out.push_back({"first " + std::to_string(n) + " of " + std::to_string(whole.size()) + " bytes",
                     std::vector<std::uint8_t>(whole.begin(), whole.begin() + static_cast<std::ptrdiff_t>(n))});
  out.push_back({"zeros, the record's length", std::vector<std::uint8_t>(whole.size(), 0)});
  out.push_back({"zeros, one 4 KiB block", std::vector<std::uint8_t>(4096, 0)});
  return out;
}

std::string check_torn_tail(const std::vector<kml::Record>& records, std::size_t kept, const TornTail& tail) {
  std::vector<std::uint8_t> log;
  for (std::size_t i = 0; i < kept; ++i) {
    const auto bytes = encoded(records[i]);
    log.insert(log.end(), bytes.begin(), bytes.end());
  }
  const std::size_t kept_end = log.size();
  log.insert(log.end(), tail.bytes.begin(), tail.bytes.end());

  std::vector<kml::Record> read;
  std::string misread;
  const auto report = kml::scan_forward(log, [&](const kml::Frame& f) {
    auto r = kml::decode(f.bytes);
    if (!r) {
      misread = "record " + std::to_string(f.recno) + " passed the scan but does not decode: " + r.error().message;
      return false;
    }
    read.push_back(std::move(*r));
    return true;
  });
  const std::string where = std::to_string(kept) + " whole records then " + tail.how + ": ";
  if (!misread.empty()) return where + misread;
  if (report.tail != kml::Tail::torn)
    return where + "the scan calls the tail " + std::string(kml::tail_name(report.tail)) + ", not torn" +
           (report.problem ? " (" + report.problem->message + ")" : "");
  if (report.records != kept || report.good_end != kept_end)
    return where + "the scan keeps " + std::to_string(report.records) + " records ending at offset " +
           std::to_string(report.good_end) + ", not " + std::to_string(kept) + " ending at " +
           std::to_string(kept_end);
  for (std::size_t i = 0; i < kept; ++i)
    if (!(read[i] == records[i]))
      return where + "record " + std::to_string(records[i].recno) + " reads back different from what was journaled";
  return {};
}

}  // namespace izo::replay::crashpoints
