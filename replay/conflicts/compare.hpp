// The engines' conflicts against the oracle's. An engine conflict and an
// oracle conflict agree when one path is the other or lies under it: the
// oracle names the highest path in conflict (a deleted directory), the
// protocol the object whose update met the other side's (a file in it).
#pragma once

#include <string>
#include <vector>

#include "conflicts/reconnect.hpp"
#include "conflicts/unison_oracle.hpp"

namespace izo::replay::conflicts {

struct FalseConflict {
  EngineConflict engine;
  std::string oracle_view;  // why the oracle calls it no conflict
};

struct Agreement {
  OracleConflict oracle;
  std::vector<EngineConflict> engine;
};

struct Comparison {
  std::vector<Agreement> agreed;
  std::vector<OracleConflict> missed;          // the oracle's, which no engine conflict matches
  std::vector<FalseConflict> false_conflicts;  // the engines', which no oracle conflict matches
  bool clean() const { return missed.empty() && false_conflicts.empty(); }
};

// Engine conflicts reported twice for one path (detected, then resolved)
// count once.
Comparison compare(const Reconnection& r, const std::vector<OracleConflict>& oracle);

}  // namespace izo::replay::conflicts
