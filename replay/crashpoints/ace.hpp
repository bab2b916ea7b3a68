// Bounded workload sets in the spirit of CrashMonkey's ACE: every sequence
// of up to N operations drawn from a fixed set over a small file set, made
// by one side while the two replicas are parted, from a common tree that
// holds a file `A` and an empty directory `D`. The operations: overwrite A,
// create B, create D/C, unlink A, rename A to B, rename A into D, chmod A,
// symlink L to A, mkdir E, rmdir D, rename D to E. A sequence in which an
// operation cannot be made (A already gone, D not empty) is left out with
// every sequence that extends it, as ACE prunes, and counted.
#pragma once

#include <string>
#include <vector>

#include "conflicts/scenario.hpp"

namespace izo::replay::crashpoints {

struct AceWorkload {
  std::string name;               // "client: unlink A; mkdir E"
  conflicts::Divergence divergence;
};

struct AceSet {
  std::vector<AceWorkload> workloads;
  std::size_t sequences = 0;  // tried
  std::size_t pruned = 0;     // tried and refused by the tree (their extensions are not tried)
};

// Every sequence of 1..max_ops operations made by `side` ("server" or
// "client"), in a fixed order.
AceSet ace_workloads(int max_ops, const std::string& side);

// The operations, as scenario steps of `side` (the n-th gets content naming n).
std::vector<conflicts::ScenarioStep> ace_operations(const std::string& side, int n);

}  // namespace izo::replay::crashpoints
