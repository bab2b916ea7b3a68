// kmlreplay: applies a KML (from either filter or from lento) to a folder
// through the protocol core's apply path (the version rule, then the Store),
// reporting each record's outcome. Replaying the same KML again changes
// nothing: every record is then a duplicate.
#pragma once

#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "kml/scan.hpp"
#include "posix/posix_store.hpp"

namespace izo::replay {

enum class Outcome { applied, duplicate, merged, conflict, refused };
std::string_view outcome_name(Outcome o);

struct RecordOutcome {
  std::uint64_t recno = 0;
  Outcome outcome = Outcome::applied;
  std::string op;
  std::string path;
  std::string reason;  // conflict, refused: why
};

struct ReplayOptions {
  std::uint64_t until = UINT64_MAX;  // last record number to apply
  // A tree holding the files' content (the writer's holding folder): a file
  // whose content is missing takes it from there when that file carries the
  // same version (a backfetch from the writer).
  std::optional<std::filesystem::path> data_from;
};

struct ReplayReport {
  std::vector<RecordOutcome> records;
  kml::ScanReport scan;
  std::size_t content_installed = 0;
  std::vector<std::string> content_missing;  // files whose content no source had
  std::size_t count(Outcome o) const;
};

// Replays the KML at `kml` onto `store`. Fails only if the KML cannot be read.
Result<ReplayReport> replay(const std::filesystem::path& kml, posix::PosixStore& store, const ReplayOptions& o);

// Exit codes.
enum KmlreplayExit : int {
  kReplayClean = 0,     // every record applied, duplicate or merged
  kReplayRefused = 1,   // some record was a conflict or was refused
  kReplayDamaged = 2,   // the KML is corrupt (the records before the damage were replayed)
  kReplayUnreadable = 3,
  kReplayUsage = 64,
};

int kmlreplay_main(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace izo::replay
