// The conflict oracle: Unison's definition of a conflict (its reconciler,
// recon.ml), independent of the protocol's versions. Given the tree two
// replicas had in common and the tree each has now, a path is in conflict
// when it changed on both sides (it, or anything under it) and the two
// results differ. Where both sides still hold a directory, the directory is
// not itself in conflict (unless both changed its permissions differently):
// the names under it are compared one by one. A directory deleted on one
// side and changed inside on the other is a conflict at the directory.
// Contents are compared, not versions: the same change made on both sides is
// no conflict.
#pragma once

#include <string>
#include <vector>

#include "conflicts/tree.hpp"

namespace izo::replay::conflicts {

struct OracleConflict {
  std::string path;
  std::string reason;  // what each side made of it
};

// In path order; a conflict's children are not listed (they are in it).
std::vector<OracleConflict> unison_conflicts(const Tree& common, const Tree& server, const Tree& client);

// What the oracle sees at `path`, in words ("changed on the client only",
// "changed the same way on both sides", ...): why it is not a conflict.
std::string oracle_view(const Tree& common, const Tree& server, const Tree& client, const std::string& path);

}  // namespace izo::replay::conflicts
