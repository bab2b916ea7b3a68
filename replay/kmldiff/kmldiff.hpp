// kmldiff: compare two KMLs record by record, field by field, leaving out the
// fields that must differ between two runs of the same workload (the writer's
// pid, the journaling time, file times). How the kernel module's KML is
// checked against presto-fuse's for the same workload (kmod/linux/test).
#pragma once

#include <iosfwd>
#include <set>
#include <string>
#include <vector>

#include "kml/record.hpp"

namespace izo::replay {

enum KmldiffExit : int {
  kDiffSame = 0,
  kDiffDiffer = 1,
  kDiffUnreadable = 3,
  kDiffUsage = 64,
};

// The fields a record is compared on, by name (also the names --ignore takes).
const std::vector<std::string>& kmldiff_fields();

// One line per field that differs between a and b, "field: A != B"; empty when
// they agree on every field not in `ignore`.
std::vector<std::string> record_differences(const kml::Record& a, const kml::Record& b,
                                            const std::set<std::string>& ignore);

int kmldiff_main(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace izo::replay
