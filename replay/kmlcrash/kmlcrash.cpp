#include "kmlcrash/kmlcrash.hpp"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>

#include "cli/divergence_args.hpp"
#include "cli/tool_args.hpp"
#include "crashpoints/ace.hpp"
#include "crashpoints/sweep.hpp"

namespace izo::replay {
namespace {

using namespace crashpoints;

struct Options {
  DivergenceArgs in;
  int ace = 0;
  std::string side = "both";
  std::optional<std::size_t> only;
  std::string target = "both";
  std::string disk = "ordered";
  std::size_t failures = 10;
  std::optional<std::size_t> crash_after;
  std::size_t store_kept = 0, journal_kept = 0;
  bool json = false;
  bool trace = false;
};

const char* kHelpTail = R"(
What is swept: while a server and a client that diverged reconnect (the
protocol core in memory: forward, conflicts, reintegrate), the target is
stopped by a machine crash after each write it makes to its disk (store
changes and syncs, KML appends and syncs, last_rcvd persists), with every
choice of what its disk kept of what was not synced (--disk ordered: the
writes up to some point, across files, as ext4's data=ordered keeps them;
--disk independent: a prefix of the store's changes and some of the KML's
records, each file on its own, as POSIX promises), and for the next KML
record each torn tail an interrupted append leaves. It recovers, the link comes back, and the run
goes on until quiet. Checked: the torn tail is cut exactly after the kept
records; last_rcvd never runs ahead of the KML; a server's tree is the replay
of its durable KML; the replicas converge to the trees and conflicts of the
run without a crash, with no error logged.

Three ways in:
  kmlcrash SERVER.kml CLIENT.kml --server-through A --client-through B
      as kmlconflicts takes them (a KML holds sizes: contents are made up).
  kmlcrash --scenario FILE
      a script in the language of replay/corpus/conflicts/README.md.
  kmlcrash --ace N [--side server|client|both]
      every sequence of up to N operations over a small file set made by one
      side while parted (crashpoints/ace.hpp); --only I sweeps the I-th.

One crash state with its messages: --crash-after W [--store-kept K]
[--journal-kept J] --target server|client --trace (a failure prints these).

Exit status: 0 every crash state passed; 1 some failed (or the run without a
crash itself went wrong); 2 bad input; 64 usage.
)";

struct Totals {
  std::size_t workloads = 0, crash_points = 0, crash_states = 0, torn_tails = 0, failures = 0;
  nlohmann::json failed = nlohmann::json::array();
  std::vector<std::string> clean_problems;
};

std::vector<Target> targets_of(const std::string& t) {
  if (t == "server") return {Target::server};
  if (t == "client") return {Target::client};
  return {Target::server, Target::client};
}

std::string replay_command(const std::string& how, const Options& o, const Failure& f) {
  return "kmlcrash " + how + " --policy " + o.in.policy + " --disk " + o.disk + " --target " +
         std::string(target_name(f.state.target)) + " --crash-after " +
         std::to_string(f.state.after_write) + " --store-kept " + std::to_string(f.state.store_kept) +
         " --journal-kept " + std::to_string(f.state.journal_kept) + " --trace";
}

// Sweeps one divergence into the totals; false on bad input (reported).
bool sweep_one(const std::string& name, const std::string& how, const Divergence& d, const Options& o,
               Totals& t, std::ostream& out, std::ostream& err) {
  SweepOptions so;
  so.policy = o.in.policy_value();
  so.targets = targets_of(o.target);
  so.disk = o.disk == "ordered" ? Disk::ordered : Disk::independent;
  so.failures_kept = o.failures;
  auto r = sweep(d, so);
  if (!r) {
    err << "kmlcrash: " << name << ": " << r.error().message << "\n";
    return false;
  }
  ++t.workloads;
  if (!r->clean_run_problem.empty()) {
    t.clean_problems.push_back(name + ": " + r->clean_run_problem);
    if (!o.json) out << name << ": not swept: " << r->clean_run_problem << "\n";
    return true;
  }
  t.crash_points += r->crash_points;
  t.crash_states += r->crash_states;
  t.torn_tails += r->torn_tails;
  t.failures += r->failures;
  for (const auto& f : r->failed) {
    if (t.failed.size() >= o.failures) break;
    t.failed.push_back({{"workload", name},
                        {"target", target_name(f.state.target)},
                        {"after_write", f.state.after_write},
                        {"store_kept", f.state.store_kept},
                        {"journal_kept", f.state.journal_kept},
                        {"what", f.what},
                        {"replay", replay_command(how, o, f)}});
    if (!o.json)
      out << name << ": " << describe(f.state) << ":\n  " << f.what << "\n  replay: " << replay_command(how, o, f)
          << "\n";
  }
  return true;
}

int one_state(const Divergence& d, const Options& o, std::ostream& out, std::ostream& err) {
  const CrashState s{o.target == "client" ? Target::client : Target::server, *o.crash_after, o.store_kept,
                     o.journal_kept};
  std::vector<std::string> trace;
  auto r = run_crash(d, o.in.policy_value(), s, &trace);
  if (!r) {
    err << "kmlcrash: " << r.error().message << "\n";
    return kCrashBadInput;
  }
  if (o.json) {
    nlohmann::json j{{"state", describe(s)}, {"held", r->empty()}, {"what", *r}};
    if (o.trace) j["trace"] = trace;
    out << j.dump() << "\n";
  } else {
    out << describe(s) << ": " << (r->empty() ? "every check held" : *r) << "\n";
    if (o.trace)
      for (const auto& l : trace) out << "  " << l << "\n";
  }
  return r->empty() ? kCrashAllHeld : kCrashFailures;
}

}  // namespace

int kmlcrash_main(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  Options o;
  CLI::App app{"Crash-point sweeps of a reconnection: a server or a client crashes after each write to its disk,\n"
               "with every choice of what the disk kept, recovers, and the replicas must still converge.",
               "kmlcrash"};
  add_divergence_options(app, o.in);
  app.add_option("--ace", o.ace, "the bounded workload set: every sequence of up to N operations")
      ->check(CLI::Range(1, 4));
  app.add_option("--side", o.side, "with --ace: which side makes the operations")
      ->capture_default_str()
      ->check(CLI::IsMember({"server", "client", "both"}));
  app.add_option("--only", o.only, "with --ace: sweep only the workload with this number (from 0)");
  app.add_option("--target", o.target, "which host crashes: server, client or both")
      ->capture_default_str()
      ->check(CLI::IsMember({"server", "client", "both"}));
  app.add_option("--disk", o.disk, "what a crash keeps of unsynced writes: ordered (in the order made, across files: ext4 data=ordered) or independent (each file on its own: POSIX)")
      ->capture_default_str()
      ->check(CLI::IsMember({"ordered", "independent"}));
  app.add_option("--failures", o.failures, "failures printed in full (all are counted)")->capture_default_str();
  app.add_option("--crash-after", o.crash_after, "run one crash state: the target stops after this write");
  app.add_option("--store-kept", o.store_kept, "with --crash-after: unsynced store changes the disk kept");
  app.add_option("--journal-kept", o.journal_kept, "with --crash-after: unsynced KML records the disk kept");
  app.add_flag("--json", o.json, "one JSON object instead of text");
  app.add_flag("--trace", o.trace, "with --crash-after: print the messages, the engines' logs and the crashing host's writes");
  if (auto code = parse_tool_args(app, "kmlcrash", args, out, err, 0, kCrashUsage, kHelpTail)) return *code;

  const int ways = int{o.in.kmls_given()} + int{!o.in.scenario.empty()} + int{o.ace > 0};
  const auto usage = [&](const std::string& what) {
    err << "kmlcrash: " << what << "\n(run kmlcrash --help)\n";
    return kCrashUsage;
  };
  if (ways != 1 || (o.in.kmls_given() && !o.in.both_kmls_given()))
    return usage("give two KMLs (server, client), --scenario FILE or --ace N");
  if (o.crash_after && o.target == "both") return usage("--crash-after needs --target server or --target client");
  if (o.crash_after && o.ace > 0 && !o.only) return usage("--crash-after with --ace needs --only I");
  if (!o.crash_after && (o.store_kept || o.journal_kept || o.trace))
    return usage("--store-kept, --journal-kept and --trace go with --crash-after");

  struct Input {
    std::string name;
    std::string again;  // the arguments that name this input again
    Divergence divergence;
  };
  std::vector<Input> inputs;
  std::size_t sequences = 0, pruned = 0;
  if (o.ace == 0) {
    auto loaded = load_divergence_args(o.in);
    if (!loaded) {
      err << "kmlcrash: " << loaded.error().message << "\n";
      return kCrashBadInput;
    }
    if (o.in.kmls_given())
      inputs.push_back({o.in.server_kml + " + " + o.in.client_kml,
                        o.in.server_kml + " " + o.in.client_kml + " --server-through " +
                            std::to_string(o.in.server_through) + " --client-through " +
                            std::to_string(o.in.client_through),
                        std::move(loaded->divergence)});
    else
      inputs.push_back({o.in.scenario, "--scenario " + o.in.scenario, std::move(loaded->divergence)});
  } else {
    std::vector<AceWorkload> all;
    for (const std::string side : {"server", "client"}) {
      if (o.side != "both" && o.side != side) continue;
      auto set = ace_workloads(o.ace, side);
      sequences += set.sequences;
      pruned += set.pruned;
      for (auto& w : set.workloads) all.push_back(std::move(w));
    }
    if (o.only && *o.only >= all.size()) {
      err << "kmlcrash: --only " << *o.only << ": the set has " << all.size() << " workloads (0 to "
          << all.size() - 1 << ")\n";
      return kCrashBadInput;
    }
    for (std::size_t i = 0; i < all.size(); ++i)
      if (!o.only || *o.only == i)
        inputs.push_back({"#" + std::to_string(i) + " " + all[i].name,
                          "--ace " + std::to_string(o.ace) + " --side " + o.side + " --only " + std::to_string(i),
                          std::move(all[i].divergence)});
  }
  if (o.crash_after) return one_state(inputs.front().divergence, o, out, err);

  Totals t;
  for (const auto& in : inputs)
    if (!sweep_one(in.name, in.again, in.divergence, o, t, out, err)) return kCrashBadInput;
  const bool held = t.failures == 0 && t.clean_problems.empty();
  if (o.json) {
    nlohmann::json j{{"workloads", t.workloads},     {"crash_points", t.crash_points},
                     {"crash_states", t.crash_states}, {"torn_tails", t.torn_tails},
                     {"failures", t.failures},         {"failed", t.failed},
                     {"not_swept", t.clean_problems}};
    if (o.ace > 0) {
      j["sequences"] = sequences;
      j["pruned"] = pruned;
    }
    out << j.dump() << "\n";
  } else {
    if (o.ace > 0)
      out << "kmlcrash: " << sequences << " sequences of up to " << o.ace << " operations, " << pruned
          << " pruned (an operation the tree refuses)\n";
    out << "kmlcrash: " << t.workloads << " workload(s), " << t.crash_points << " crash points, " << t.crash_states
        << " crash states, " << t.torn_tails << " torn tails: " << t.failures << " failure(s)";
    if (!t.clean_problems.empty()) out << ", " << t.clean_problems.size() << " not swept (the run without a crash fails)";
    out << "\n";
  }
  return held ? kCrashAllHeld : kCrashFailures;
}

}  // namespace izo::replay
