// KML file scan and recovery. Any bytes as a log: the forward walk, the
// backward walk and frame_at() agree on the records; the report's tail,
// cut point and counts are consistent; the cut log scans clean with the same
// records. Then the same bytes as a KML file on disk: KmlFile::open cuts a
// torn tail to the cut point, refuses a corrupt log, and after recovery an
// append gets the next record number and the file scans clean; a file that
// is not a KML at all is refused, never cut.
#include <cstdint>
#include <filesystem>
#include <limits>
#include <stdexcept>
#include <span>
#include <string>
#include <vector>

#include "kml/examples.hpp"
#include "kml/scan.hpp"
#include "posix/kml_file.hpp"
#include "support/check.hpp"
#include "support/entry.hpp"
#include "support/scratch.hpp"

#ifdef IZO_LIBFUZZER
#include "support/fixup.hpp"
#include "support/mutate.hpp"

IZO_FUZZ_REPAIRING_MUTATOR(fix_kml_log)
#endif

namespace {

using namespace izo;

kml::ScanReport check_walks(std::span<const std::uint8_t> log) {
  std::vector<kml::Frame> frames;
  const auto report = kml::scan_forward(log, [&](const kml::Frame& f) {
    frames.push_back(f);
    return true;
  });
  IZO_FUZZ_REQUIRE(report.good_end <= log.size(), "the cut point is past the end");
  IZO_FUZZ_REQUIRE(report.records == frames.size(), "the report counts other records than it visited");
  IZO_FUZZ_REQUIRE((report.tail == kml::Tail::clean) == (report.good_end == log.size()),
                   "a clean tail must end exactly at the last good record");
  IZO_FUZZ_REQUIRE(report.tail == kml::Tail::clean || report.problem, "a damaged tail without a reason");
  std::size_t at = 0;
  for (std::size_t i = 0; i < frames.size(); ++i) {
    const auto& f = frames[i];
    IZO_FUZZ_REQUIRE(f.offset == at, "good records are not back to back");
    IZO_FUZZ_REQUIRE(f.recno >= 1, "record number 0 accepted");
    IZO_FUZZ_REQUIRE(i == 0 || f.recno == frames[i - 1].recno + 1, "record numbers are not consecutive");
    const auto again = kml::frame_at(log, f.offset);
    IZO_FUZZ_REQUIRE(again.ok() && again->len == f.len && again->recno == f.recno,
                     "frame_at() disagrees with the forward walk");
    at += f.len;
  }
  IZO_FUZZ_REQUIRE(at == report.good_end, "the cut point is not the end of the last good record");
  if (!frames.empty())
    IZO_FUZZ_REQUIRE(report.first_recno == frames.front().recno && report.last_recno == frames.back().recno,
                     "first/last record numbers differ from the records");
  if (report.tail == kml::Tail::corrupt) {
    // The resync point is the next good record: after the damage, or the
    // misnumbered record itself when that is where the damage is.
    IZO_FUZZ_REQUIRE(report.resync_offset >= report.good_end && report.resync_offset < log.size(),
                     "a corrupt log's resync point is before the damage or past the end");
    IZO_FUZZ_REQUIRE(kml::frame_at(log, report.resync_offset).ok(), "no good record at the resync point");
  }

  std::vector<std::size_t> back;
  const auto walked = kml::scan_backward(log, report.good_end, [&](const kml::Frame& f) {
    back.push_back(f.offset);
    return true;
  });
  IZO_FUZZ_REQUIRE(walked.ok() && *walked == frames.size() && back.size() == frames.size(),
                   "the backward walk from the cut point does not see the same records");
  for (std::size_t i = 0; i < back.size(); ++i)
    IZO_FUZZ_REQUIRE(back[i] == frames[frames.size() - 1 - i].offset, "the backward walk visits other offsets");

  const auto cut = kml::scan_forward(log.first(report.good_end));
  IZO_FUZZ_REQUIRE(cut.tail == kml::Tail::clean && cut.records == report.records,
                   "the log cut at the cut point is not clean with the same records");
  return report;
}

void check_recovery(std::span<const std::uint8_t> log, const kml::ScanReport& report) {
  static const fuzz::Scratch scratch("kml_scan");
  const auto path = scratch.path() / "kml";
  fuzz::write_file(path, log.data(), log.size());
  posix::KmlOpenReport opened;
  auto file = posix::KmlFile::open(path, {}, &opened);
  if (report.tail == kml::Tail::corrupt || !report.looks_like_kml) {
    // Damage is never cut silently, and bytes that are not a KML at all are
    // not "recovered" to an empty log either.
    IZO_FUZZ_REQUIRE(!file.ok(), "a corrupt KML, or a file that is none, was opened instead of refused");
    IZO_FUZZ_REQUIRE(std::filesystem::file_size(path) == log.size(), "refusing a corrupt KML changed it");
    return;
  }
  IZO_FUZZ_REQUIRE(file.ok(), "a clean or torn KML was refused: " + (file.ok() ? "" : file.error().message));
  IZO_FUZZ_REQUIRE(opened.cut_bytes == log.size() - report.good_end, "recovery cut another amount than the torn tail");
  IZO_FUZZ_REQUIRE(std::filesystem::file_size(path) == report.good_end, "recovery left the file at another size");
  IZO_FUZZ_REQUIRE(file->last_recno() == report.last_recno, "recovery found another last record number");

  auto r = kml::example_records().at(1);
  if (report.last_recno == std::numeric_limits<std::uint64_t>::max()) {
    bool refused = false;
    try {
      file->append(r);
    } catch (const std::length_error&) {
      refused = true;
    }
    IZO_FUZZ_REQUIRE(refused, "an append after record 2^64-1 was not refused");
    return;
  }
  const auto recno = file->append(r);
  IZO_FUZZ_REQUIRE(recno == (report.records == 0 ? 1 : report.last_recno + 1),
                   "the append after recovery did not take the next record number");
  file->sync();
  const auto mapped = posix::MappedFile::open(path);
  IZO_FUZZ_REQUIRE(mapped.ok(), "cannot read the KML back");
  const auto after = kml::scan_forward(mapped->bytes());
  IZO_FUZZ_REQUIRE(after.tail == kml::Tail::clean && after.records == report.records + 1,
                   "the recovered KML with one append does not scan clean");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> log(data, size);
  const auto report = check_walks(log);
  check_recovery(log, report);
  return 0;
}
