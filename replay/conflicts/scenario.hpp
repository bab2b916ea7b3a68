// Conflict scenarios as short scripts, in the spirit of Unison's self-test
// tree language: what both replicas had in common, what each did while
// disconnected, and what should come of it. The corpus (replay/corpus/
// conflicts/) is written in it.
//
//   # the server removes a file the client edits
//   common write a first text
//   server unlink a
//   client write a second text
//   expect conflict a
//
// A line is `<side> <operation>` (side: common, server or client) or an
// expectation. Operations: `write PATH TEXT...` (creates the file if
// needed; the text runs to the end of the line), `mkdir PATH`, `rmdir PATH`,
// `unlink PATH`, `rename FROM TO`, `chmod PATH OCTAL`, `symlink PATH TARGET`.
// Common updates are the server's, which the client had before parting.
// Expectations: `expect conflict PATH` (one a line) or `expect no-conflict`,
// the oracle's verdict; `known engine-false PATH: WHY` and `known
// engine-missed PATH: WHY` record where the protocol is known to differ from
// the oracle, so that every divergence is written down with its reason.
#pragma once

#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "conflicts/divergence.hpp"

namespace izo::replay::conflicts {

struct ScenarioStep {
  int line = 0;
  std::string side;  // common, server, client
  std::string op;
  std::vector<std::string> args;
};

struct KnownDivergence {
  bool engine_false = true;  // else engine-missed
  std::string path;
  std::string why;
};

struct Scenario {
  std::string name;
  std::vector<ScenarioStep> steps;
  bool expectation_stated = false;
  std::set<std::string> expected_conflicts;
  std::vector<KnownDivergence> known;
};

// Reads a script; an error names the line and what is wrong with it.
Result<Scenario> parse_scenario(std::string_view text, std::string name);
// Reads and parses the script in `path`; an error names the file.
Result<Scenario> read_scenario(const std::filesystem::path& path);

// Carries the steps out on two in-memory replicas through Presto's update
// path and returns the KMLs they wrote, with the contents written. An error
// names the step that the tree refused.
Result<Divergence> play(const Scenario& s);

}  // namespace izo::replay::conflicts

#include "conflicts/compare.hpp"

namespace izo::replay::conflicts {

// What in a replay's outcome the scenario did not foresee, one line each
// (empty: as expected): the oracle's conflicts against `expect`, each
// divergence of the engines against the `known` lines (both ways: a known
// divergence that no longer happens is reported too), no convergence, lost
// content, error lines from the engines.
std::vector<std::string> unmet_expectations(const Scenario& s, const std::vector<OracleConflict>& oracle,
                                            const Comparison& c, const Reconnection& r);

}  // namespace izo::replay::conflicts
