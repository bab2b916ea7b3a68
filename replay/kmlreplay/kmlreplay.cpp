#include "kmlreplay/kmlreplay.hpp"

#include <sys/stat.h>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <fstream>
#include <ostream>
#include <set>

#include "cli/tool_args.hpp"
#include "posix/kml_file.hpp"
#include "posix/object_attrs.hpp"
#include "replica/version_rule.hpp"
#include "util/fileset_path.hpp"

namespace izo::replay {
namespace {

using replica::Verdict;

RecordOutcome outcome_of(const kml::Record& r, Outcome o, std::string reason = {}) {
  return RecordOutcome{r.recno, o, std::string(kml::op_name(r.op)), r.path, std::move(reason)};
}

// How far a KML was replayed into a folder, kept in the folder's metadata
// (where lento keeps last_rcvd), written only after the folder is synced: a
// second run knows what it need not apply again.
std::filesystem::path position_file(const std::filesystem::path& root) {
  return root / kMetadataDir / "kmlreplay" / "replayed_through";
}

std::uint64_t replayed_through(const std::filesystem::path& root) {
  std::ifstream in(position_file(root));
  std::uint64_t n = 0;
  return in >> n ? n : 0;
}

std::optional<Error> record_replayed_through(const std::filesystem::path& root, std::uint64_t recno) {
  const auto file = position_file(root);
  std::error_code ec;
  std::filesystem::create_directories(file.parent_path(), ec);
  const auto tmp = file.string() + ".new";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << recno << "\n";
    if (!out.flush()) return Error{"cannot write " + tmp, 0};
  }
  std::filesystem::rename(tmp, file, ec);
  if (ec) return Error{"cannot write " + file.string() + ": " + ec.message(), 0};
  return std::nullopt;
}

}  // namespace

std::string_view outcome_name(Outcome o) {
  switch (o) {
    case Outcome::applied: return "applied";
    case Outcome::duplicate: return "duplicate";
    case Outcome::merged: return "merged";
    case Outcome::conflict: return "conflict";
    case Outcome::refused: return "refused";
  }
  return "?";
}

std::size_t ReplayReport::count(Outcome o) const {
  std::size_t n = 0;
  for (const auto& r : records) n += r.outcome == o;
  return n;
}

Result<ReplayReport> replay(const std::filesystem::path& kml_path, posix::PosixStore& store, const ReplayOptions& o) {
  auto file = posix::MappedFile::open(kml_path);
  if (!file) return file.error();
  ReplayReport report;
  std::vector<kml::Record> records;
  // The scan hands over only records that passed every check of the format
  // (a bad one ends it as damage), so each decodes.
  report.scan = kml::scan_forward(file->bytes(), [&](const kml::Frame& f) {
    if (f.recno > o.until) return false;
    auto r = kml::decode(f.bytes);
    if (r) records.push_back(std::move(*r));
    return r.ok();
  });
  // The versions later records produce: evidence that a record was applied
  // before (the same rule the engine uses after a crash).
  const auto later = replica::later_stamps(records);
  const auto position = replayed_through(store.root());
  for (std::size_t i = 0; i < records.size(); ++i) {
    const auto& r = records[i];
    if (r.recno <= position) {
      report.records.push_back(outcome_of(r, Outcome::duplicate, "replayed here before"));
      continue;
    }
    const auto d = replica::decide(r, store, later[i]);
    switch (d.verdict) {
      case Verdict::apply:
        if (auto e = store.apply(r, replica::Origin::remote)) {
          report.records.push_back(outcome_of(r, Outcome::refused, e->message));
        } else {
          report.records.push_back(outcome_of(r, Outcome::applied));
        }
        break;
      case Verdict::duplicate: report.records.push_back(outcome_of(r, Outcome::duplicate)); break;
      case Verdict::merge:
        replica::merge_directory(store, r);
        report.records.push_back(outcome_of(r, Outcome::merged));
        break;
      case Verdict::conflict: report.records.push_back(outcome_of(r, Outcome::conflict, d.path + ": " + d.reason)); break;
    }
  }
  std::vector<std::string> installed;
  for (const auto& [path, version] : store.missing_data()) {
    if (o.data_from) {
      const auto source = *o.data_from / path;
      struct stat st {};
      if (::lstat(source.c_str(), &st) == 0 && S_ISREG(st.st_mode) && posix::read_version(source) == version) {
        store.install_data(path, version, source.string());
        installed.push_back(path);
        continue;
      }
    }
    report.content_missing.push_back(path);
  }
  store.sync();  // installed content counts once durable
  for (const auto& path : installed) {
    if (const auto now = store.lookup(path); now && !now->data_missing) {
      ++report.content_installed;
    } else {
      report.content_missing.push_back(path);
    }
  }
  if (!records.empty() && records.back().recno > position) {
    if (auto e = record_replayed_through(store.root(), records.back().recno)) return *e;
  }
  return report;
}

int kmlreplay_main(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  std::string kml_path, dir, data_from;
  std::uint64_t until = UINT64_MAX;
  bool json = false, quiet = false;
  CLI::App app{
      "Apply a KML to a folder through the protocol core's apply path (the version rule, then the\n"
      "store), one line per record: applied, duplicate, merged, conflict or refused (with why).\n"
      "Running it twice changes nothing the second time.\n"
      "Exit status: 0 all applied or duplicate; 1 some conflict or refusal; 2 the KML is corrupt\n"
      "(records before the damage were replayed); 3 unreadable; 64 usage.",
      "kmlreplay"};
  app.add_option("kml", kml_path, "the KML (for example HOLDING/.intermezzo/FSET/kml)")->required();
  app.add_option("folder", dir, "the folder to apply it to (made if absent)")->required();
  app.add_option("--until", until, "last record number to apply");
  app.add_option("--data-from", data_from,
                 "a tree with the files' content (the writer's holding folder); used for a file only "
                 "when it carries the version replayed");
  app.add_flag("--json", json, "one JSON object a line, then a summary object");
  app.add_flag("-q,--quiet", quiet, "print only the summary");
  if (auto done = parse_tool_args(app, "kmlreplay", args, out, err, kReplayClean, kReplayUsage)) return *done;
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  auto store = posix::PosixStore::open(dir);
  if (!store) {
    err << "kmlreplay: " << store.error().message << "\n";
    return kReplayUnreadable;
  }
  ReplayOptions o;
  o.until = until;
  if (!data_from.empty()) o.data_from = data_from;
  auto report = replay(kml_path, **store, o);
  if (!report) {
    err << "kmlreplay: " << report.error().message << "\n";
    return kReplayUnreadable;
  }
  for (const auto& r : report->records) {
    if (quiet) break;
    if (json) {
      nlohmann::json j{{"recno", r.recno}, {"outcome", outcome_name(r.outcome)}, {"op", r.op}, {"path", r.path}};
      if (!r.reason.empty()) j["reason"] = r.reason;
      out << j.dump() << "\n";
    } else {
      out << "#" << r.recno << " " << outcome_name(r.outcome) << " " << r.op << " " << nlohmann::json(r.path).dump()
          << (r.reason.empty() ? "" : "  (" + r.reason + ")") << "\n";
    }
  }
  const auto& s = report->scan;
  const std::string tail(kml::tail_name(s.tail));
  if (json) {
    out << nlohmann::json{{"applied", report->count(Outcome::applied)},
                          {"duplicate", report->count(Outcome::duplicate)},
                          {"merged", report->count(Outcome::merged)},
                          {"conflict", report->count(Outcome::conflict)},
                          {"refused", report->count(Outcome::refused)},
                          {"content_installed", report->content_installed},
                          {"content_missing", report->content_missing},
                          {"kml_tail", tail}}
               .dump()
        << "\n";
  } else {
    out << "kmlreplay: " << report->records.size() << " records: " << report->count(Outcome::applied)
        << " applied, " << report->count(Outcome::duplicate) << " duplicate, " << report->count(Outcome::merged)
        << " merged, " << report->count(Outcome::conflict) << " conflict, " << report->count(Outcome::refused)
        << " refused; content installed for " << report->content_installed << " files, missing for "
        << report->content_missing.size() << "; KML tail " << tail << "\n";
  }
  if (s.tail == kml::Tail::corrupt) {
    err << "kmlreplay: the KML is corrupt after record " << s.last_recno
        << (s.problem ? ": " + s.problem->message : std::string()) << "\n";
    return kReplayDamaged;
  }
  const bool refused = report->count(Outcome::conflict) + report->count(Outcome::refused) > 0;
  return refused ? kReplayRefused : kReplayClean;
}

}  // namespace izo::replay
