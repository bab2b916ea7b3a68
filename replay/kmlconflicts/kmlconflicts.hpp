// kmlconflicts: the conflict replay. Given the KMLs of a server and a client
// that diverged while disconnected (or a scenario script that makes them),
// runs the protocol core's reconnection on them and compares the conflicts
// it finds with the Unison oracle (replay/conflicts): missed and false
// conflicts, convergence, lost content.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace izo::replay {

enum KmlconflictsExit : int {
  kConflictsAgree = 0,     // engines and oracle agree (scenario: all as expected), converged, nothing lost
  kConflictsDiffer = 1,    // a missed or false conflict, no convergence, lost content (scenario: unmet)
  kConflictsBadInput = 2,  // a KML unreadable, damaged or inconsistent; a script with an error
  kConflictsUsage = 64,
};

int kmlconflicts_main(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace izo::replay
