// The input of the tools that replay a reconnection (kmlconflicts, kmlcrash):
// two KMLs with the counters they had when the replicas parted, or a
// scenario script; and the conflict policy. Declared and read the same way
// by each.
#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
#include <optional>
#include <string>

#include "conflicts/scenario.hpp"
#include "replica/engine.hpp"

namespace izo::replay {

struct DivergenceArgs {
  std::string server_kml, client_kml;
  std::uint64_t server_through = 0, client_through = 0;
  std::optional<std::uint64_t> server_id, client_id;
  std::string scenario;
  std::string policy = "server-wins";

  bool kmls_given() const { return !server_kml.empty() || !client_kml.empty(); }
  bool both_kmls_given() const { return !server_kml.empty() && !client_kml.empty(); }
  replica::Policy policy_value() const { return *replica::policy_from_name(policy); }
};

inline void add_divergence_options(CLI::App& app, DivergenceArgs& a) {
  app.add_option("server_kml", a.server_kml, "the server's KML");
  app.add_option("client_kml", a.client_kml, "the client's KML");
  app.add_option("--server-through", a.server_through, "the last server record the client had applied");
  app.add_option("--client-through", a.client_through, "the last client record the server had applied");
  app.add_option("--server-id", a.server_id, "the server's host id (default: from its KML)");
  app.add_option("--client-id", a.client_id, "the client's host id (default: from its KML)");
  app.add_option("--scenario", a.scenario, "a scenario script instead of two KMLs");
  app.add_option("--policy", a.policy, "conflict policy: server-wins, client-wins or manual")
      ->capture_default_str()
      ->check(CLI::IsMember({"server-wins", "client-wins", "manual"}));
}

struct LoadedDivergence {
  conflicts::Divergence divergence;
  std::optional<conflicts::Scenario> scenario;  // when it came from a script
};

// The divergence the two KMLs or the script describe. An error names the
// file (and for a script, the line).
inline Result<LoadedDivergence> load_divergence_args(const DivergenceArgs& a) {
  LoadedDivergence out;
  if (a.kmls_given()) {
    auto loaded = conflicts::load_divergence(a.server_kml, a.client_kml,
                                             {a.server_through, a.client_through, a.server_id, a.client_id});
    if (!loaded) return loaded.error();
    out.divergence = std::move(*loaded);
    return out;
  }
  auto parsed = conflicts::read_scenario(a.scenario);
  if (!parsed) return parsed.error();
  auto played = conflicts::play(*parsed);
  if (!played) return Error{a.scenario + ": " + played.error().message, 0};
  out.divergence = std::move(*played);
  out.scenario = std::move(*parsed);
  return out;
}

}  // namespace izo::replay
