// What is known of one conflict: reported to the runtime as it moves, kept
// in last_rcvd while it is open and, once resolved, in a short history.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "fsm/conflict_case.hpp"
#include "kml/version.hpp"

namespace izo::replica {

struct ConflictInfo {
  std::uint64_t id = 0;
  std::string path;
  std::string reason;
  Version local;                 // what this replica had
  Version remote;                // what the peer's update made of it
  std::string state;             // the conflict machine's state
  std::optional<fsm::Winner> winner;
  std::vector<std::string> kept;  // conflict copies made, so nothing is lost
  friend bool operator==(const ConflictInfo&, const ConflictInfo&) = default;
};

}  // namespace izo::replica
