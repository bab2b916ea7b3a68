// The reconnection of a diverged pair, run by the protocol core itself: a
// server and a client engine in memory (replica/testing's MiniWorld) set up
// from the divergence as if each had just restarted from its disk, then
// linked, so that the seeds' sequence runs: forward, conflicts, reintegrate.
// What comes out: the trees before and after, every conflict the engines
// reported, and whether the two replicas converged with nothing lost.
#pragma once

#include <string>
#include <vector>

#include "conflicts/divergence.hpp"
#include "conflicts/tree.hpp"
#include "replica/engine.hpp"
#include "replica/testing/mini_world.hpp"

namespace izo::replay::conflicts {

struct EngineConflict {
  std::string host;  // "server" or "clientA": where it was detected
  std::string path;
  std::string reason;
};

struct Reconnection {
  Tree common;         // what both had when they parted
  Tree server_before;  // each side when it reconnects
  Tree client_before;
  Tree server_after;   // each side once the reconnection is quiet
  Tree client_after;
  std::vector<EngineConflict> conflicts;
  bool converged = false;  // the replicas are identical, versions included
  std::string difference;  // else the first line where they differ
  // Contents a side changed during the split that no replica holds after.
  std::vector<std::string> lost;
  std::vector<std::string> errors;  // error lines the engines logged
  std::vector<std::string> trace;   // the messages, one line each
  std::vector<std::string> logs;    // every line the engines logged, host first
  std::size_t resolved_by_hand = 0;
  // Set when the reconnection never went quiet (a livelock): why. The trees
  // after, conflicts and convergence are then not filled in.
  std::string stalled;  // manual policy: quarantined conflicts resolved for the server
};

// Builds the two replicas (each store from the KMLs, with made-up content
// where the divergence has none), reconnects them under `policy` and runs
// until nothing moves. Under the manual policy every quarantined conflict is
// then resolved for the server, so that convergence can be judged. An error
// names the record that could not be applied to build a replica.
Result<Reconnection> reconnect(const Divergence& d, replica::Policy policy);

// The steps of reconnect(), for tools that interrupt it (crash sweeps,
// replay/crashpoints): the two hosts built and started from their disks, not
// yet linked, with the trees they start from.
struct ReconnectionWorld {
  std::unique_ptr<replica::testing::MiniWorld> world;
  Tree common, server_before, client_before;
};
Result<ReconnectionWorld> prepare_reconnection(const Divergence& d, replica::Policy policy);
// Runs the linked world until nothing moves; under the manual policy,
// resolves every quarantined conflict for the server, in rounds while
// resolutions bring new ones. Returns how many it resolved; errors from
// resolving go to `errors`. Throws std::runtime_error if the world never
// goes quiet within a bound that grows with the logs.
std::size_t settle(replica::testing::MiniWorld& w, const Divergence& d, replica::Policy policy,
                   std::vector<std::string>& errors);
// The first line where two dumps differ, "" if none.
std::string first_difference(const std::string& server_dump, const std::string& client_dump);

}  // namespace izo::replay::conflicts
