// Crash-point sweeps of a reconnection. Two replicas that diverged (a
// conflict replay's Divergence: from KMLs, a scenario script or a generated
// workload) are reconnected by the protocol core, and one of them, the
// target, is stopped by a machine crash after each of the writes it makes
// to its disk (store changes and syncs, KML appends and syncs, last_rcvd
// persists), with every choice of what the disk kept of what was not yet
// synced (the Disk model below says which combinations can happen), and for
// the KML record after those kept, each torn tail an interrupted append can
// leave. The target then restarts from that disk
// (recovery), the link comes back, and the run goes on to quiet.
//
// Checked at each crash state:
// - the KML's torn tail is cut exactly after the kept records (real encoder
//   and scanner, torn_tail.hpp);
// - right after recovery, last_rcvd agrees with the KML: it never says the
//   store holds more of the journal than the KML has, and every record of
//   the replicator that a server counts as received (below its
//   next-to-expect) and journals in the run without a crash is in its KML
//   (else an acknowledged update is lost);
// - right after recovery, a server's tree is exactly the replay of its
//   durable KML (types, versions, modes, link targets, and contents where
//   present: content still to be fetched may be absent);
// - once quiet again: the replicas converge, and to the same trees and the
//   same conflicts as the run without a crash, with no error logged. So
//   nothing the peer was told is durable is lost and no crash makes a
//   duplicate look like a conflict.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "conflicts/divergence.hpp"
#include "replica/engine.hpp"

namespace izo::replay::crashpoints {

using conflicts::Divergence;

enum class Target { server, client };
std::string_view target_name(Target t);

// What a machine crash may keep of the writes not yet synced.
enum class Disk {
  // Writes reach the disk in the order they were made, across files: a crash
  // keeps every write up to some point after the last sync, none after.
  // What ext4's data=ordered journal gives (Debian's default), which the
  // original InterMezzo leaned on too.
  ordered,
  // POSIX's promise only: each file keeps its own unsynced writes in order,
  // but independently of the others (a store change may reach the disk
  // before the KML record appended ahead of it). XFS, ext4 data=writeback.
  independent,
};
std::string_view disk_name(Disk d);

// A machine crash of the target and what its disk kept.
struct CrashState {
  Target target = Target::server;
  std::size_t after_write = 0;  // stopped after its n-th write since the link came up (0: at once)
  std::size_t store_kept = 0;   // of the store's changes since its last sync, the first n survived
  std::size_t journal_kept = 0; // of the KML's records appended since its last sync, the first n survived
};
std::string describe(const CrashState& s);

struct SweepOptions {
  replica::Policy policy = replica::Policy::server_wins;
  Disk disk = Disk::ordered;
  std::vector<Target> targets{Target::server, Target::client};
  std::size_t failures_kept = 20;  // failures reported in full; all are counted
};

struct Failure {
  CrashState state;
  std::string what;
};

struct SweepReport {
  // Set when the run without a crash does not itself end well (never quiet,
  // no convergence, a server tree that is not its KML's replay): there is
  // then nothing to compare crashes with, and nothing else is filled in.
  std::string clean_run_problem;
  std::size_t crash_points = 0;   // places a target was stopped
  std::size_t crash_states = 0;   // crash points times what the disk kept
  std::size_t torn_tails = 0;     // torn KML tails checked against the scanner
  std::size_t failures = 0;
  std::vector<Failure> failed;    // the first failures_kept of them
};

// Sweeps every crash state of every target. An error is bad input (a
// divergence that fails conflicts::check, a record the tree refuses).
Result<SweepReport> sweep(const Divergence& d, const SweepOptions& o);

// One crash state, run alone: what went wrong ("" nothing), with every
// message delivered and every line the engines logged added to `trace`.
Result<std::string> run_crash(const Divergence& d, replica::Policy policy, const CrashState& s,
                              std::vector<std::string>* trace = nullptr);

}  // namespace izo::replay::crashpoints
