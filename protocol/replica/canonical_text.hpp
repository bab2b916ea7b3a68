// Helpers for the canonical texts of states (the model checker's
// fingerprints): a record appended as its encoded bytes.
#pragma once

#include <string>
#include <vector>

#include "kml/record.hpp"

namespace izo::replica {

inline void append_record(std::string& out, const kml::Record& r) {
  std::vector<std::uint8_t> bytes;
  if (auto n = kml::encode(r, bytes); !n) {
    out += "[unencodable record " + std::to_string(r.recno) + "]";
    return;
  }
  out.append(bytes.begin(), bytes.end());
  out += '|';
}

}  // namespace izo::replica
