// kmldump: print a KML as text or JSON, or check it. The whole program as a
// function, so tests run it in-process.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace izo::replay {

// Exit codes (also in --help).
enum KmldumpExit : int {
  kExitClean = 0,      // every byte of the file is in a good record
  kExitTorn = 1,       // good records, then an incomplete append (lento cuts it on open)
  kExitCorrupt = 2,    // damage with good records after it: not a crash artefact
  kExitNotKml = 3,     // unreadable, or not a KML at all
  kExitUsage = 64,
};

int kmldump_main(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace izo::replay
