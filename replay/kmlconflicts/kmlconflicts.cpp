#include "kmlconflicts/kmlconflicts.hpp"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>

#include "cli/divergence_args.hpp"
#include "cli/tool_args.hpp"
#include "conflicts/compare.hpp"
#include "conflicts/scenario.hpp"
#include "posix/kml_file.hpp"

namespace izo::replay {
namespace {

using namespace conflicts;

struct Options {
  DivergenceArgs in;
  std::string write_kmls;
  bool json = false;
  bool trace = false;
};

const char* kHelpTail = R"(
Two ways in:
  kmlconflicts SERVER.kml CLIENT.kml --server-through A --client-through B
      the server's whole KML, the client's whole KML (its own updates), the
      last server record the client had applied and the last client record
      the server had applied when they parted (their last_rcvd counters).
      A KML holds sizes, not bytes: each close gets made-up content naming
      its record, so two contents are equal only when one close wrote them.
  kmlconflicts --scenario FILE
      a script (replay/corpus/conflicts/README.md) played on two replicas,
      then checked against its own expectations. --write-kmls DIR also
      writes the two KMLs it made, for the first way in.

Exit status: 0 the engines and the oracle agree (scenario: everything as
expected), the replicas converged and no content was lost; 1 otherwise;
2 bad input (a KML unreadable, damaged or inconsistent, a script error);
64 usage.
)";

std::optional<Error> write_kml(const std::filesystem::path& path, const std::vector<kml::Record>& records) {
  std::error_code ec;
  std::filesystem::remove(path, ec);
  auto file = posix::KmlFile::open(path);
  if (!file) return Error{path.string() + ": " + file.error().message, 0};
  try {
    for (const auto& r : records) file->append(r);
    file->sync();
  } catch (const std::exception& e) {
    return Error{path.string() + ": " + e.what(), 0};
  }
  return std::nullopt;
}

std::string host_of(const Divergence& d, const std::string& engine_host) {
  return engine_host == "server" ? "server " + std::to_string(d.server_id) : "client " + std::to_string(d.client_id);
}

void print_text(std::ostream& out, const Divergence& d, const Options& o, const std::vector<OracleConflict>& oracle,
                const Comparison& c, const Reconnection& r) {
  out << "kmlconflicts: server " << d.server_id << " (" << d.server.size() << " records; the client had 1.."
      << d.server_through << "), client " << d.client_id << " (" << d.client.size()
      << " records; the server had 1.." << d.client_through << "), policy " << o.in.policy << "\n";
  if (o.trace) {
    for (const auto& t : r.trace) out << "  " << t << "\n";
    for (const auto& l : r.logs) out << "  log " << l << "\n";
  }
  for (const auto& a : c.agreed)
    for (const auto& e : a.engine)
      out << "conflict " << e.path << ": found by the " << host_of(d, e.host) << " (" << e.reason
          << "); oracle at " << a.oracle.path << ": " << a.oracle.reason << "\n";
  for (const auto& m : c.missed) out << "missed " << m.path << ": " << m.reason << "; the engines found none\n";
  for (const auto& f : c.false_conflicts)
    out << "false " << f.engine.path << ": found by the " << host_of(d, f.engine.host) << " (" << f.engine.reason
        << "); oracle: " << f.oracle_view << "\n";
  if (r.resolved_by_hand) out << "manual policy: " << r.resolved_by_hand << " quarantined conflict(s) resolved for the server\n";
  out << "converged: " << (r.converged ? "yes" : "no, first difference: " + r.difference) << "\n";
  for (const auto& l : r.lost) out << "lost: " << l << "\n";
  for (const auto& e : r.errors) out << "engine error: " << e << "\n";
  out << "summary: " << oracle.size() << " conflict(s) by the oracle, " << c.agreed.size() << " found, "
      << c.missed.size() << " missed, " << c.false_conflicts.size() << " false; "
      << (r.converged ? "converged" : "NOT converged") << "; "
      << (r.lost.empty() ? "nothing lost" : std::to_string(r.lost.size()) + " content(s) lost") << "\n";
}

nlohmann::json to_json(const Divergence& d, const Options& o, const std::vector<OracleConflict>& oracle,
                       const Comparison& c, const Reconnection& r) {
  using nlohmann::json;
  json j;
  j["server"] = {{"host", d.server_id}, {"records", d.server.size()}, {"client_had_through", d.server_through}};
  j["client"] = {{"host", d.client_id}, {"records", d.client.size()}, {"server_had_through", d.client_through}};
  j["policy"] = o.in.policy;
  j["oracle"] = json::array();
  for (const auto& x : oracle) j["oracle"].push_back({{"path", x.path}, {"reason", x.reason}});
  j["engine"] = json::array();
  for (const auto& e : r.conflicts) j["engine"].push_back({{"host", host_of(d, e.host)}, {"path", e.path}, {"reason", e.reason}});
  j["missed"] = json::array();
  for (const auto& m : c.missed) j["missed"].push_back({{"path", m.path}, {"reason", m.reason}});
  j["false"] = json::array();
  for (const auto& f : c.false_conflicts)
    j["false"].push_back({{"path", f.engine.path}, {"reason", f.engine.reason}, {"oracle", f.oracle_view}});
  j["converged"] = r.converged;
  if (!r.converged) j["difference"] = r.difference;
  j["lost"] = r.lost;
  j["errors"] = r.errors;
  return j;
}

}  // namespace

int kmlconflicts_main(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  Options o;
  CLI::App app{"Replay the reconnection of a server and a client that diverged while disconnected, through the\n"
               "protocol core, and compare the conflicts it finds with Unison's definition of a conflict.",
               "kmlconflicts"};
  add_divergence_options(app, o.in);
  app.add_option("--write-kmls", o.write_kmls, "with --scenario: write server.kml and client.kml into this folder");
  app.add_flag("--json", o.json, "one JSON object instead of text");
  app.add_flag("--trace", o.trace, "print the messages and the engines' log lines of the reconnection");
  if (auto code = parse_tool_args(app, "kmlconflicts", args, out, err, 0, kConflictsUsage, kHelpTail)) return *code;
  if (o.in.kmls_given() == !o.in.scenario.empty() || (o.in.kmls_given() && !o.in.both_kmls_given())) {
    err << "kmlconflicts: give either two KMLs (server, client) or --scenario FILE\n(run kmlconflicts --help)\n";
    return kConflictsUsage;
  }
  if (!o.write_kmls.empty() && o.in.scenario.empty()) {
    err << "kmlconflicts: --write-kmls goes with --scenario\n(run kmlconflicts --help)\n";
    return kConflictsUsage;
  }

  auto loaded = load_divergence_args(o.in);
  if (!loaded) {
    err << "kmlconflicts: " << loaded.error().message << "\n";
    return kConflictsBadInput;
  }
  const std::optional<Scenario>& scenario = loaded->scenario;
  const Divergence& d = loaded->divergence;
  if (!o.write_kmls.empty()) {
    const std::filesystem::path dir = o.write_kmls;
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    for (auto [name, records] : {std::pair{"server.kml", &d.server}, std::pair{"client.kml", &d.client}})
      if (auto e = write_kml(dir / name, *records)) {
        err << "kmlconflicts: " << e->message << "\n";
        return kConflictsBadInput;
      }
    err << "kmlconflicts: wrote " << (dir / "server.kml").string() << " and " << (dir / "client.kml").string()
        << "; replay them with --server-through " << d.server_through << " --client-through "
        << d.client_through << "\n";
  }

  auto r = reconnect(d, o.in.policy_value());
  if (!r) {
    err << "kmlconflicts: " << r.error().message << "\n";
    return kConflictsBadInput;
  }
  if (!r->stalled.empty()) {
    // Show the loop: the last messages of the trace.
    const auto& t = r->trace;
    const std::vector<std::string> last(t.size() > 12 ? t.end() - 12 : t.begin(), t.end());
    if (o.json) {
      out << nlohmann::json{{"stalled", r->stalled}, {"last_messages", last}, {"logs", r->logs}}.dump() << "\n";
      return kConflictsDiffer;
    }
    out << "kmlconflicts: the reconnection never went quiet (" << r->stalled << "); its last messages:\n";
    for (const auto& m : last) out << "  " << m << "\n";
    if (o.trace) {
      // How the loop began.
      out << "its first messages:\n";
      for (std::size_t i = 0; i < std::min<std::size_t>(t.size(), 40); ++i) out << "  " << t[i] << "\n";
    }
    if (o.trace)
      for (const auto& l : r->logs) out << "  log " << l << "\n";
    return kConflictsDiffer;
  }
  const auto oracle = unison_conflicts(r->common, r->server_before, r->client_before);
  const auto c = compare(*r, oracle);
  std::vector<std::string> unmet;
  if (scenario) unmet = unmet_expectations(*scenario, oracle, c, *r);

  if (o.json) {
    auto j = to_json(d, o, oracle, c, *r);
    if (scenario) j["unmet"] = unmet;
    out << j.dump() << "\n";
  } else {
    print_text(out, d, o, oracle, c, *r);
    if (scenario) {
      for (const auto& k : scenario->known)
        out << "known engine-" << (k.engine_false ? "false " : "missed ") << k.path << ": " << k.why << "\n";
      for (const auto& u : unmet) out << "UNMET: " << u << "\n";
      out << "scenario " << o.in.scenario << ": " << (unmet.empty() ? "as expected" : "NOT as expected") << "\n";
    }
  }
  if (scenario) return unmet.empty() ? kConflictsAgree : kConflictsDiffer;
  return c.clean() && r->converged && r->lost.empty() ? kConflictsAgree : kConflictsDiffer;
}

}  // namespace izo::replay
