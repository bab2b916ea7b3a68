#include "kmldump/kmldump.hpp"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <ostream>

#include "cli/tool_args.hpp"
#include "kml/scan.hpp"
#include "posix/kml_file.hpp"
#include "print/record_print.hpp"

namespace izo::replay {
namespace {

struct Options {
  std::string file;
  bool json = false;
  bool reverse = false;
  bool check = false;
  std::uint64_t from = 0;
  std::uint64_t to = std::numeric_limits<std::uint64_t>::max();
};

std::string range_text(const kml::ScanReport& s) {
  if (s.records == 0) return "0 records";
  return std::to_string(s.records) + " records (recno " + std::to_string(s.first_recno) + ".." +
         std::to_string(s.last_recno) + ")";
}

// What is wrong after the good records, in one sentence; empty when clean.
std::string tail_text(const kml::ScanReport& s, std::size_t size) {
  switch (s.tail) {
    case kml::Tail::clean: return "";
    case kml::Tail::torn:
      return "torn tail at offset " + std::to_string(s.good_end) + ": " +
             std::to_string(size - s.good_end) + " bytes after the last good record are " +
             (s.zero_filled ? "zero-filled" : "an incomplete append") + " (" +
             s.problem->message + " at offset " + std::to_string(s.problem->offset) +
             "); lento cuts it when it opens the log";
    case kml::Tail::corrupt:
      return "corrupt: bad record at offset " + std::to_string(s.good_end) + " (" +
             s.problem->message + " at offset " + std::to_string(s.problem->offset) +
             "); a good record follows at offset " + std::to_string(s.resync_offset) +
             ", so the damage is not a torn append; records after it are not used";
  }
  return "";
}

int exit_for(const kml::ScanReport& s) {
  switch (s.tail) {
    case kml::Tail::clean: return kExitClean;
    case kml::Tail::torn: return kExitTorn;
    case kml::Tail::corrupt: return kExitCorrupt;
  }
  return kExitCorrupt;
}

void print(const Options& o, const kml::Frame& f, std::ostream& out) {
  auto r = kml::decode(f.bytes);  // the scanner validated it: cannot fail
  if (o.json) {
    out << record_json(*r, f.offset).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)
        << '\n';
  } else {
    out << record_text(*r, f.offset) << '\n';
  }
}

}  // namespace

int kmldump_main(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  Options o;
  CLI::App app{
      "Print a Kernel Modification Log (KML) one record a line, as text or JSON, or check it.\n"
      "Exit status: 0 clean; 1 torn tail (an incomplete append after the last good record);\n"
      "2 corrupt (damage followed by good records); 3 not a KML or unreadable; 64 usage.",
      "kmldump"};
  app.add_option("file", o.file, "the KML file (for example .intermezzo/FSET/kml)")->required();
  app.add_flag("--json", o.json, "one JSON object a line instead of text");
  app.add_flag("--reverse", o.reverse, "newest record first (walks the log backwards)");
  app.add_flag("--check", o.check, "print no records: report whether the log is sound and where the first bad record is");
  app.add_option("--from", o.from, "first record number to print");
  app.add_option("--to", o.to, "last record number to print");
  if (auto done = parse_tool_args(app, "kmldump", args, out, err, kExitClean, kExitUsage)) return *done;
  if (o.from > o.to) {
    err << "kmldump: --from " << o.from << " is after --to " << o.to << "\n";
    return kExitUsage;
  }

  auto mapped = posix::MappedFile::open(o.file);
  if (!mapped) {
    err << "kmldump: " << mapped.error().message << "\n";
    return kExitNotKml;
  }
  const auto bytes = mapped->bytes();
  const bool forward_print = !o.check && !o.reverse;
  const auto report = kml::scan_forward(bytes, [&](const kml::Frame& f) {
    if (forward_print && f.recno >= o.from && f.recno <= o.to) print(o, f, out);
    return !forward_print || f.recno < o.to;
  });
  if (!report.looks_like_kml) {
    err << "kmldump: " << o.file << " is not a KML file (" << report.problem->message
        << " at offset " << report.problem->offset << ")\n";
    return kExitNotKml;
  }
  if (report.stopped_early) return kExitClean;  // stopped at --to, tail unexamined
  if (o.reverse && !o.check) {
    auto n = kml::scan_backward(bytes, report.good_end, [&](const kml::Frame& f) {
      if (f.recno >= o.from && f.recno <= o.to) print(o, f, out);
      return f.recno > o.from;
    });
    if (!n) {  // cannot happen on the good prefix; say so loudly if it does
      err << "kmldump: backward walk failed at offset " << n.error().offset << ": "
          << n.error().message << "\n";
      return kExitCorrupt;
    }
  }
  const std::string tail = tail_text(report, bytes.size());
  if (o.check) {
    if (tail.empty()) {
      out << "ok: " << range_text(report) << ", " << bytes.size() << " bytes, clean end\n";
    } else {
      out << o.file << ": " << range_text(report) << " good; " << tail << "\n";
    }
  } else if (!tail.empty()) {
    err << "kmldump: " << o.file << ": " << tail << "\n";
  }
  return exit_for(report);
}

}  // namespace izo::replay
