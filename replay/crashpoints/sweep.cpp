#include "crashpoints/sweep.hpp"

#include <limits>
#include <set>
#include <sstream>
#include <stdexcept>

#include "conflicts/reconnect.hpp"
#include "crashpoints/torn_tail.hpp"
#include "replica/version_rule.hpp"

namespace izo::replay::crashpoints {

using replica::MemoryStore;
using replica::testing::Host;
using replica::testing::MiniWorld;

std::string_view target_name(Target t) { return t == Target::server ? "server" : "client"; }

std::string_view disk_name(Disk d) { return d == Disk::ordered ? "ordered" : "independent"; }

std::string describe(const CrashState& s) {
  return std::string(target_name(s.target)) + " crashes after write " + std::to_string(s.after_write) +
         ", its disk keeping " + std::to_string(s.store_kept) + " unsynced store change(s) and " +
         std::to_string(s.journal_kept) + " unsynced KML record(s)";
}

namespace {

struct CrashNow {};

std::set<std::string> lines_of(const std::string& text) {
  std::set<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.insert(line);
  return out;
}

// Where the target's disk stands after one of its writes.
struct DiskAt {
  bool sync = false;  // this write was a sync or a persist (everything before it in that file is durable)
  std::size_t store_unsynced = 0;
  std::uint64_t journal_durable = 0;
  std::uint64_t journal_last = 0;
};

// Watches the target's ports: counts its writes, keeps the store as each
// change since its last sync left it, and stops the host (throws) right
// after the chosen write.
class Probe {
 public:
  // `narrate`: where to tell each write, numbered, as it happens (the
  // message trace, so writes and messages interleave), or null.
  Probe(Host& h, std::size_t stop_after, std::vector<std::string>* narrate = nullptr)
      : h_(h), stop_after_(stop_after), narrate_(narrate), dumped_(narrate ? h.store.dump() : std::string()) {
    h_.store.on_change = [this] { on_store(); };
    // After an append the last record is not durable; after a sync it is.
    h_.journal.on_change = [this] {
      const bool sync = h_.journal.durable_recno() == h_.journal.last_recno();
      if (narrate_) tell(sync ? "KML synced through " + std::to_string(h_.journal.durable_recno())
                              : "KML appends " + appended());
      on_write(sync);
    };
    h_.last_rcvd.on_persist = [this](const replica::LastRcvdState&, const replica::LastRcvdState& after) {
      if (narrate_) {
        auto text = replica::canonical_text(after);
        while (!text.empty() && text.back() == '\n') text.pop_back();
        tell("persists " + text);
      }
      persisting_ = after;
      on_write(true);
      persisting_.reset();
    };
  }
  ~Probe() { remove(); }
  Probe(const Probe&) = delete;
  Probe& operator=(const Probe&) = delete;

  void remove() {
    h_.store.on_change = nullptr;
    h_.journal.on_change = nullptr;
    h_.last_rcvd.on_persist = nullptr;
  }

  DiskAt now() const { return {false, unsynced_.size(), h_.journal.durable_recno(), h_.journal.last_recno()}; }
  const std::vector<DiskAt>& writes() const { return writes_; }
  const std::vector<MemoryStore>& unsynced() const { return unsynced_; }
  // The last_rcvd state being persisted when the host stopped, if it stopped
  // in a persist (the observer runs before the state is stored): it is durable.
  const std::optional<replica::LastRcvdState>& stopped_in_persist() const { return stopped_persist_; }

 private:
  void tell(const std::string& what) {
    narrate_->push_back("    " + h_.name + " write " + std::to_string(writes_.size() + 1) + ": " + what);
  }
  std::string appended() const {
    const auto& r = h_.journal.records().back();
    return "record " + std::to_string(r.recno) + " (" + std::string(kml::op_name(r.op)) + " " + r.path +
           (r.path2.empty() ? "" : " " + r.path2) + " " + to_string(r.obj_new) + ")";
  }
  // The store's lines that the change took away (-) and brought (+).
  std::string store_change() {
    std::string now = h_.store.dump();
    const auto before = lines_of(dumped_), after = lines_of(now);
    std::string out;
    for (const auto& l : before)
      if (!after.contains(l)) out += " | - " + l;
    for (const auto& l : after)
      if (!before.contains(l)) out += " | + " + l;
    dumped_ = std::move(now);
    return out;
  }
  void on_store() {
    const bool synced = !h_.store.dirty();
    if (narrate_) tell(synced ? "store synced" : "store changes" + store_change());
    if (synced) {
      unsynced_.clear();  // everything so far is on the disk
    } else {
      MemoryStore copy = h_.store;
      copy.on_change = nullptr;
      unsynced_.push_back(std::move(copy));
    }
    on_write(synced);
  }
  void on_write(bool sync) {
    writes_.push_back(now());
    writes_.back().sync = sync;
    if (writes_.size() == stop_after_) {
      stopped_persist_ = persisting_;
      throw CrashNow{};
    }
  }

  Host& h_;
  std::size_t stop_after_;
  std::vector<std::string>* narrate_;
  std::string dumped_;  // the store when last told
  std::vector<DiskAt> writes_;
  std::vector<MemoryStore> unsynced_;
  std::optional<replica::LastRcvdState> persisting_;
  std::optional<replica::LastRcvdState> stopped_persist_;
};

Host& target_of(MiniWorld& w, Target t) { return t == Target::server ? w.server() : w.client(0); }

// Every conflict reported, or listed as resolved, once each: "host: path".
std::set<std::string> conflicts_of(MiniWorld& w) {
  std::set<std::string> out;
  for (Host* h : {&w.server(), &w.client(0)}) {
    for (const auto& c : h->conflict_reports) out.insert(h->name + ": " + c.path);
    for (const auto& c : h->engine->status().resolved) out.insert(h->name + ": " + c.path);  // kept across a restart
  }
  return out;
}

std::string listed(const std::set<std::string>& items) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : ", ") + i;
  return out.empty() ? "none" : out;
}

// Whether the server's tree is exactly the replay of its durable KML onto an
// empty tree ("" if so). Content still to be fetched may be absent. Contents
// are compared where the KML's replay knows them: versions that a close made
// by Presto on either side gave (the engine's own closes, of conflict
// copies, carry content the KML does not say).
std::string tree_is_kml_replay(const Host& h, const Divergence& d) {
  std::set<Version> presto_closes;
  for (const auto* log : {&d.server, &d.client})
    for (const auto& r : *log)
      if (r.op == kml::Op::close) presto_closes.insert(r.obj_new);
  // Replayed as kmlreplay does: the version rule decides each record.
  MemoryStore replay;
  const auto records = h.journal.read(1, std::numeric_limits<std::size_t>::max());
  const auto later = replica::later_stamps(records);
  for (std::size_t i = 0; i < records.size(); ++i) {
    const auto& r = records[i];
    const std::string which = "its KML's record " + std::to_string(r.recno) + " (" + std::string(kml::op_name(r.op)) +
                              " " + r.path + ")";
    const auto decision = replica::decide(r, replay, later[i]);
    switch (decision.verdict) {
      case replica::Verdict::apply:
        if (auto e = conflicts::apply_as_made(replay, d, r)) return which + " does not replay: " + e->message;
        break;
      case replica::Verdict::duplicate: break;
      case replica::Verdict::merge: replica::merge_directory(replay, r); break;
      case replica::Verdict::conflict:
        return which + " conflicts with the records before it: " + decision.path + ": " + decision.reason;
    }
  }
  std::set<std::string> paths;
  for (const auto& p : h.store.paths()) paths.insert(p);
  for (const auto& p : replay.paths()) paths.insert(p);
  for (const auto& p : paths) {
    const auto here = h.store.lookup(p);
    const auto replayed = replay.lookup(p);
    const std::string name = p.empty() ? "the root" : p;
    if (!here) return name + " is in the KML's replay but not in the tree";
    if (!replayed) return name + " is in the tree but not in the KML's replay";
    if (here->type != replayed->type || here->version != replayed->version || here->mode != replayed->mode ||
        here->target != replayed->target)
      return name + " is " + to_string(here->version) + " in the tree but " + to_string(replayed->version) +
             " in the KML's replay (or differs in type, mode or target)";
    const auto content = h.store.content(p);
    if (content && presto_closes.contains(here->version) && content != replay.content(p))
      return name + " holds other content than the KML's replay gives it";
  }
  return {};
}

struct CleanRun {
  std::string server_dump;
  std::set<std::string> conflicts;
  std::vector<DiskAt> writes;                 // the target's, in order
  DiskAt at_link_up;
  std::vector<kml::Record> journal;           // the target's KML at the end
};

Result<CleanRun> clean_run(const Divergence& d, replica::Policy policy, Target target, std::string& problem) {
  auto prepared = conflicts::prepare_reconnection(d, policy);
  if (!prepared) return prepared.error();
  MiniWorld& w = *prepared->world;
  Host& t = target_of(w, target);
  CleanRun out;
  std::vector<std::string> errors;
  {
    Probe probe(t, 0);
    out.at_link_up = probe.now();
    try {
      w.connect(0);
      conflicts::settle(w, d, policy, errors);
    } catch (const std::runtime_error& e) {
      problem = std::string("the run without a crash never goes quiet: ") + e.what();
      return out;
    }
    out.writes = probe.writes();
  }
  out.server_dump = w.server().store.dump();
  out.conflicts = conflicts_of(w);
  out.journal = t.journal.records();
  for (auto& e : w.errors()) errors.push_back(std::move(e));
  if (auto diff = conflicts::first_difference(out.server_dump, w.client(0).store.dump()); !diff.empty())
    problem = "the run without a crash does not converge: " + diff;
  else if (!errors.empty())
    problem = "the run without a crash logs an error: " + errors.front();
  else if (auto wrong = tree_is_kml_replay(w.server(), d); !wrong.empty())
    problem = "after the run without a crash, the server's tree is not its KML's replay: " + wrong;
  return out;
}

// Runs one crash state; "" when every check passes. `clean` is the run
// without a crash to compare with (null: only the checks that need none).
Result<std::string> crash_and_check(const Divergence& d, replica::Policy policy, const CrashState& s,
                                    const CleanRun* clean, std::vector<std::string>* trace) {
  auto prepared = conflicts::prepare_reconnection(d, policy);
  if (!prepared) return prepared.error();
  MiniWorld& w = *prepared->world;
  Host& t = target_of(w, s.target);
  std::vector<std::string> errors;
  const auto keep_trace = [&] {
    if (trace) *trace = w.trace;
  };

  // Run until the chosen write, then lay out the disk as the crash left it.
  {
    Probe probe(t, s.after_write, trace ? &w.trace : nullptr);
    bool stopped = false;
    try {
      if (s.after_write == 0) throw CrashNow{};
      w.connect(0);
      conflicts::settle(w, d, policy, errors);
    } catch (const CrashNow&) {
      stopped = true;
    } catch (const std::runtime_error& e) {
      keep_trace();
      return std::string("before the crash: ") + e.what();
    }
    probe.remove();
    if (!stopped)
      return Error{"the " + std::string(target_name(s.target)) + " makes only " + std::to_string(probe.writes().size()) +
                       " writes, so it cannot crash after write " + std::to_string(s.after_write),
                   0};
    const DiskAt disk = probe.now();
    if (s.store_kept > disk.store_unsynced || s.journal_kept > disk.journal_last - disk.journal_durable)
      return Error{"at that write the disk holds only " + std::to_string(disk.store_unsynced) +
                       " unsynced store change(s) and " + std::to_string(disk.journal_last - disk.journal_durable) +
                       " unsynced KML record(s)",
                   0};
    if (probe.stopped_in_persist()) t.last_rcvd.persist(*probe.stopped_in_persist());
    if (s.store_kept == 0) {
      t.store.crash();
    } else {
      t.store = probe.unsynced()[s.store_kept - 1];
      t.store.sync();
    }
    t.journal.crash_keeping(disk.journal_durable + s.journal_kept);
  }
  if (trace)
    w.trace.push_back("    " + t.name + " crashes; its disk keeps " + std::to_string(s.store_kept) +
                      " unsynced store change(s) and " + std::to_string(s.journal_kept) + " unsynced KML record(s)");
  w.crash(t);  // restarts from that disk: recovery

  const replica::LastRcvdState st = t.last_rcvd.load();
  const std::uint64_t journal_end = t.journal.durable_recno();
  if (st.store_synced_through > journal_end) {
    keep_trace();
    return "after recovery, last_rcvd says the store holds the KML through record " +
           std::to_string(st.store_synced_through) + " but the KML ends at " + std::to_string(journal_end);
  }
  if (s.target == Target::server && clean)
    if (auto it = st.peers.find(d.client_id); it != st.peers.end()) {
      // The replicator's records the server counts as received, which it
      // journals when nothing crashes (noops it does not), must be in its KML.
      std::set<std::uint64_t> journaled;
      for (const auto& r : t.journal.read(1, std::numeric_limits<std::size_t>::max()))
        if (r.origin == d.client_id) journaled.insert(r.origin_recno);
      for (const auto& r : clean->journal)
        if (r.origin == d.client_id && r.origin_recno < it->second.next_to_expect &&
            !journaled.contains(r.origin_recno)) {
          keep_trace();
          return "after recovery, last_rcvd counts the client's record " + std::to_string(r.origin_recno) + " (" +
                 std::string(kml::op_name(r.op)) + " " + r.path + ") as received but the KML does not hold it: " +
                 "an acknowledged update is lost";
        }
    }
  if (s.target == Target::server)
    if (auto wrong = tree_is_kml_replay(t, d); !wrong.empty()) {
      keep_trace();
      return "after recovery, the server's tree is not its KML's replay: " + wrong;
    }

  try {
    w.connect(0);
    conflicts::settle(w, d, policy, errors);
  } catch (const std::runtime_error& e) {
    keep_trace();
    return std::string("after the restart the reconnection never goes quiet: ") + e.what();
  }
  keep_trace();
  for (auto& e : w.errors()) errors.push_back(std::move(e));
  const std::string server_dump = w.server().store.dump();
  if (auto diff = conflicts::first_difference(server_dump, w.client(0).store.dump()); !diff.empty())
    return "the replicas do not converge: " + diff;
  if (!errors.empty()) return "an error is logged: " + errors.front();
  if (!clean) return std::string();
  if (auto diff = conflicts::first_difference(clean->server_dump, server_dump); !diff.empty())
    return "the trees differ from the run without a crash (" + diff + ")";
  if (const auto c = conflicts_of(w); c != clean->conflicts)
    return "the conflicts reported (" + listed(c) + ") differ from the run without a crash (" + listed(clean->conflicts) +
           ")";
  return std::string();
}

// The disks a crash right after write `after` can leave, as (unsynced store
// changes kept, unsynced KML records kept).
std::set<std::pair<std::size_t, std::size_t>> what_a_crash_keeps(const CleanRun& run, std::size_t after, Disk disk) {
  const auto at = [&](std::size_t n) { return n == 0 ? run.at_link_up : run.writes[n - 1]; };
  const DiskAt now = at(after);
  std::set<std::pair<std::size_t, std::size_t>> out;
  if (disk == Disk::independent) {
    for (std::size_t s = 0; s <= now.store_unsynced; ++s)
      for (std::size_t j = 0; j <= now.journal_last - now.journal_durable; ++j) out.insert({s, j});
    return out;
  }
  // Ordered: every write up to some write `kept`, none after; never before
  // the last sync (of any file: a sync flushes what came before it).
  std::size_t floor = after;
  while (floor > 0 && !at(floor).sync) --floor;
  for (std::size_t kept = floor; kept <= after; ++kept)
    out.insert({at(kept).store_unsynced, at(kept).journal_last - now.journal_durable});
  return out;
}

}  // namespace

Result<std::string> run_crash(const Divergence& d, replica::Policy policy, const CrashState& s,
                              std::vector<std::string>* trace) {
  std::string problem;
  auto clean = clean_run(d, policy, s.target, problem);
  if (!clean) return clean.error();
  return crash_and_check(d, policy, s, problem.empty() ? &*clean : nullptr, trace);
}

Result<SweepReport> sweep(const Divergence& d, const SweepOptions& o) {
  SweepReport report;
  const auto fail = [&](const CrashState& s, std::string what) {
    ++report.failures;
    if (report.failed.size() < o.failures_kept) report.failed.push_back({s, std::move(what)});
  };
  for (Target target : o.targets) {
    auto clean = clean_run(d, o.policy, target, report.clean_run_problem);
    if (!clean) return clean.error();
    if (!report.clean_run_problem.empty()) return report;

    std::set<std::size_t> torn_checked;  // by the number of whole records before the tail
    for (std::size_t after = 0; after <= clean->writes.size(); ++after) {
      const DiskAt disk = after == 0 ? clean->at_link_up : clean->writes[after - 1];
      ++report.crash_points;
      const std::size_t pending = disk.journal_last - disk.journal_durable;
      for (std::size_t kept = 0; kept < pending; ++kept) {
        const std::size_t whole = disk.journal_durable + kept;
        if (!torn_checked.insert(whole).second) continue;
        for (const auto& tail : torn_tails(clean->journal.at(whole))) {
          ++report.torn_tails;
          if (auto wrong = check_torn_tail(clean->journal, whole, tail); !wrong.empty())
            fail({target, after, 0, kept}, "the KML's torn tail: " + wrong);
        }
      }
      for (const auto& [store_kept, journal_kept] : what_a_crash_keeps(*clean, after, o.disk)) {
        const CrashState s{target, after, store_kept, journal_kept};
        ++report.crash_states;
        auto outcome = crash_and_check(d, o.policy, s, &*clean, nullptr);
        if (!outcome) return outcome.error();
        if (!outcome->empty()) fail(s, std::move(*outcome));
      }
    }
  }
  return report;
}

}  // namespace izo::replay::crashpoints
