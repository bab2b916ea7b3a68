// One plausible record of every opcode, and a synthetic workload made of
// them: for tests, seed corpora, kmlgen and the benchmark.
#pragma once

#include <cstdint>
#include <vector>

#include "kml/record.hpp"

namespace izo::kml {

// One record per opcode, in opcode order; recno left at 0.
std::vector<Record> example_records();

// `count` records cycling through example_records(), numbered from first_recno,
// with paths varied by index so the records differ.
std::vector<Record> example_workload(std::size_t count, std::uint64_t first_recno = 1);

}  // namespace izo::kml
