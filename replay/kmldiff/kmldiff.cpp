#include "kmldiff/kmldiff.hpp"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <functional>
#include <ostream>
#include <sstream>

#include "cli/tool_args.hpp"
#include "kml/scan.hpp"
#include "posix/kml_file.hpp"
#include "print/record_print.hpp"
#include "util/hex.hpp"

namespace izo::replay {
namespace {

using Show = std::function<std::string(const kml::Record&)>;

template <class T>
std::string str(const T& v) {
  std::ostringstream s;
  s << v;
  return s.str();
}

const std::vector<std::pair<std::string, Show>>& table() {
  static const std::vector<std::pair<std::string, Show>> fields = {
      {"recno", [](const kml::Record& r) { return str(r.recno); }},
      {"op", [](const kml::Record& r) { return std::string(kml::op_name(r.op)); }},
      {"flags", [](const kml::Record& r) { return str(r.flags); }},
      {"pid", [](const kml::Record& r) { return str(r.writer.pid); }},
      {"uid", [](const kml::Record& r) { return str(r.writer.uid); }},
      {"gid", [](const kml::Record& r) { return str(r.writer.gid); }},
      {"time", [](const kml::Record& r) { return str(r.time_ns); }},
      {"origin", [](const kml::Record& r) { return str(r.origin); }},
      {"origin_recno", [](const kml::Record& r) { return str(r.origin_recno); }},
      {"obj_old", [](const kml::Record& r) { return to_string(r.obj_old); }},
      {"obj_new", [](const kml::Record& r) { return to_string(r.obj_new); }},
      {"parent_old", [](const kml::Record& r) { return to_string(r.parent_old); }},
      {"parent_new", [](const kml::Record& r) { return to_string(r.parent_new); }},
      {"tparent_old", [](const kml::Record& r) { return to_string(r.tparent_old); }},
      {"tparent_new", [](const kml::Record& r) { return to_string(r.tparent_new); }},
      {"target_old", [](const kml::Record& r) { return to_string(r.target_old); }},
      {"valid", [](const kml::Record& r) { return str(r.attrs.valid); }},
      {"mode", [](const kml::Record& r) { return str(r.attrs.mode); }},
      {"attr_uid", [](const kml::Record& r) { return str(r.attrs.uid); }},
      {"attr_gid", [](const kml::Record& r) { return str(r.attrs.gid); }},
      {"size", [](const kml::Record& r) { return str(r.attrs.size); }},
      {"atime", [](const kml::Record& r) { return str(r.attrs.atime_ns); }},
      {"mtime", [](const kml::Record& r) { return str(r.attrs.mtime_ns); }},
      {"rdev", [](const kml::Record& r) { return str(r.attrs.rdev); }},
      {"path", [](const kml::Record& r) { return c_quoted(r.path); }},
      {"path2", [](const kml::Record& r) { return c_quoted(r.path2); }},
      {"data", [](const kml::Record& r) { return to_hex(r.data); }},
  };
  return fields;
}

struct Log {
  std::vector<kml::Record> records;
  std::string tail;  // empty when clean
};

Result<Log> read_log(const std::string& file) {
  auto mapped = posix::MappedFile::open(file);
  if (!mapped) return mapped.error();
  Log log;
  const auto report = kml::scan_forward(mapped->bytes(), [&](const kml::Frame& f) {
    auto r = kml::decode(f.bytes);  // the scanner validated it
    if (r) log.records.push_back(std::move(*r));
    return true;
  });
  if (!report.looks_like_kml) return Error{file + " is not a KML file", 0};
  if (report.tail != kml::Tail::clean)
    log.tail = std::string(kml::tail_name(report.tail)) + " after record " + str(report.last_recno);
  return log;
}

}  // namespace

const std::vector<std::string>& kmldiff_fields() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> n;
    for (const auto& [name, show] : table()) n.push_back(name);
    return n;
  }();
  return names;
}

std::vector<std::string> record_differences(const kml::Record& a, const kml::Record& b,
                                            const std::set<std::string>& ignore) {
  std::vector<std::string> out;
  for (const auto& [name, show] : table()) {
    if (ignore.contains(name)) continue;
    const auto va = show(a), vb = show(b);
    if (va != vb) out.push_back(name + ": " + va + " != " + vb);
  }
  return out;
}

int kmldiff_main(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  CLI::App app{"Compares two KMLs record by record. Exit 0 when they agree on every compared field, "
               "1 when they differ (each difference is printed), 3 when one cannot be read, 64 for "
               "bad usage."};
  std::string a_file, b_file;
  std::string ignore_list = "pid,time,atime,mtime";
  app.add_option("A", a_file, "the first KML")->required();
  app.add_option("B", b_file, "the second KML")->required();
  app.add_option("--ignore", ignore_list,
                 "comma-separated fields left out of the comparison ('' compares all)")
      ->capture_default_str();
  std::string fields = "fields: ";
  for (const auto& f : kmldiff_fields()) fields += f + ' ';
  if (auto done = parse_tool_args(app, "kmldiff", args, out, err, kDiffSame, kDiffUsage, fields + '\n')) return *done;
  std::set<std::string> ignore;
  std::stringstream list(ignore_list);
  for (std::string f; std::getline(list, f, ',');) {
    if (f.empty()) continue;
    if (std::find(kmldiff_fields().begin(), kmldiff_fields().end(), f) == kmldiff_fields().end()) {
      err << "kmldiff: --ignore: no field named '" << f << "' (run kmldiff --help)\n";
      return kDiffUsage;
    }
    ignore.insert(f);
  }
  auto a = read_log(a_file);
  auto b = read_log(b_file);
  for (const auto* l : {&a, &b}) {
    if (!*l) {
      err << "kmldiff: " << l->error().message << "\n";
      return kDiffUnreadable;
    }
  }
  int differing = 0;
  const std::size_t common = std::min(a->records.size(), b->records.size());
  for (std::size_t i = 0; i < common; ++i) {
    const auto d = record_differences(a->records[i], b->records[i], ignore);
    if (d.empty()) continue;
    ++differing;
    out << "record " << i + 1 << " (" << kml::op_name(a->records[i].op) << " / "
        << kml::op_name(b->records[i].op) << "):\n";
    for (const auto& line : d) out << "  " << line << "\n";
  }
  if (a->records.size() != b->records.size())
    out << "A has " << a->records.size() << " records, B has " << b->records.size() << "\n";
  for (const auto& [name, log] : {std::pair{"A", &*a}, std::pair{"B", &*b}})
    if (!log->tail.empty()) out << name << " ends with a " << log->tail << "\n";
  const bool same = differing == 0 && a->records.size() == b->records.size() && a->tail.empty() &&
                    b->tail.empty();
  out << (same ? "same: " : "differ: ") << common << " records compared, " << differing
      << " differ\n";
  return same ? kDiffSame : kDiffDiffer;
}

}  // namespace izo::replay
