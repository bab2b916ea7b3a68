#include "conflicts/compare.hpp"

#include <set>

namespace izo::replay::conflicts {
namespace {
bool related(const std::string& a, const std::string& b) { return within(a, b) || within(b, a); }
}  // namespace

Comparison compare(const Reconnection& r, const std::vector<OracleConflict>& oracle) {
  std::vector<EngineConflict> engine;
  std::set<std::string> seen;
  for (const auto& c : r.conflicts)
    if (seen.insert(c.path).second) engine.push_back(c);

  Comparison out;
  for (const auto& o : oracle) {
    Agreement a{o, {}};
    for (const auto& e : engine)
      if (related(e.path, o.path)) a.engine.push_back(e);
    if (a.engine.empty()) {
      out.missed.push_back(o);
    } else {
      out.agreed.push_back(std::move(a));
    }
  }
  for (const auto& e : engine) {
    bool matched = false;
    for (const auto& o : oracle) matched = matched || related(e.path, o.path);
    if (!matched)
      out.false_conflicts.push_back({e, oracle_view(r.common, r.server_before, r.client_before, e.path)});
  }
  return out;
}

}  // namespace izo::replay::conflicts
