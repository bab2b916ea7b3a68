// kmlcrash: crash-point sweeps of a reconnection (replay/crashpoints). A
// server or a client is stopped by a machine crash after each write it makes
// to its disk while two diverged replicas reconnect, with every choice of
// what the disk kept of what was not synced; it recovers, the run goes on,
// and the checks of crashpoints/sweep.hpp are made. Inputs: two KMLs, a
// scenario script, or the bounded ACE-style workload set (--ace N).
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace izo::replay {

enum KmlcrashExit : int {
  kCrashAllHeld = 0,   // every crash state passed every check
  kCrashFailures = 1,  // some crash state failed a check, or the run without a crash itself went wrong
  kCrashBadInput = 2,  // a KML unreadable, damaged or inconsistent; a script error; no such crash state
  kCrashUsage = 64,
};

int kmlcrash_main(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace izo::replay
