// The exhaustive explorer: every interleaving of message deliveries, fetch
// completions, scripted file operations and a bounded number of faults (link
// cuts, crashes) in a small simulated world, breadth first, skipping states
// already seen (fingerprints of SimWorld::canonical_state()). Properties are
// checked after every move, and at every state where nothing but optional
// faults remain: there the world is healed and run to quiescence (one
// schedule) and the end properties are checked. Breadth first, the first
// violation found has a shortest trace; it can be saved and replayed.
//
// A state is never copied: each one is rebuilt by replaying its moves from
// the start (the engine holds references into its host and cannot be
// cloned), so the cost of a state grows with its depth.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sim/sim_world.hpp"
#include "util/result.hpp"

namespace izo::model {

struct ExploreConfig {
  int clients = 2;
  replica::Policy policy = replica::Policy::server_wins;
  // scripts[n]: the operations node n makes, in order (0 is the server).
  std::vector<std::vector<FileOp>> scripts;
  int max_cuts = 1;      // partitions (a cut link) on any one path
  int max_crashes = 1;   // crashes on any one path
  int max_depth = 200;   // moves on any one path
  std::uint64_t max_states = 5'000'000;  // distinct states, then stop
  SimConfig::Bugs bugs;

  // The world these scripts run in (seed fixed: quiescence uses one
  // schedule); without its trace while exploring, for speed.
  SimConfig world(bool trace = true) const;
};

// The default small world: 1 server and 2 clients; A writes f0 then renames
// it to f1, B writes f0, the server writes f1.
ExploreConfig small_world();

struct ExploreReport {
  std::uint64_t explored = 0;    // moves tried (edges)
  std::uint64_t distinct = 0;    // distinct states reached
  std::uint64_t quiescent = 0;   // distinct states checked at quiescence
  int depth = 0;                 // deepest level reached
  double seconds = 0;
  bool complete = false;         // no bound cut the search short
  std::optional<Violation> violation;
  std::vector<Move> trace;       // the moves that lead to it (shortest)
  bool at_quiescence = false;    // found by finish() after the trace
  std::vector<std::string> world_trace;  // the world's own trace of that run
};

ExploreReport explore(const ExploreConfig& config);

// A trace as text: the world's settings, then one move per line, then
// "finish" when the violation shows only at quiescence.
std::string trace_text(const ExploreConfig& config, const std::vector<Move>& moves, bool finish);

struct SavedTrace {
  ExploreConfig config;  // clients, policy, bugs (scripts are in the moves)
  std::vector<Move> moves;
  bool finish = false;
};
// The error names the line and what is wrong with it.
Result<SavedTrace> parse_trace(std::string_view text);

struct ReplayOutcome {
  std::optional<Violation> violation;
  std::vector<std::string> world_trace;
  std::string final_state;
};
// Replays a saved trace; an error if a move is not possible where it stands.
Result<ReplayOutcome> replay(const SavedTrace& trace);

}  // namespace izo::model
