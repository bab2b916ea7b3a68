// How tools print KML records: one line of text for people, one JSON object
// for scripts. Shared by kmldump and the replay tools.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "kml/record.hpp"

namespace izo::replay {

// One line, no newline: "#12 @2048 create path=\"a/b\" mode=0100644 obj=-→7:1 ..."
std::string record_text(const kml::Record& r, std::size_t offset);
// The same without the offset (a record held in memory, not read from a file).
std::string record_text(const kml::Record& r);

// Every field, always present (a stable schema); xattr values in hex.
nlohmann::json record_json(const kml::Record& r, std::size_t offset);

// A string as a double-quoted C-style literal: printable ASCII as is, the
// rest escaped, so a hostile path cannot break a line or a terminal.
std::string c_quoted(std::string_view s);

// ns since the epoch as ISO 8601 UTC with nanoseconds.
std::string iso_time(std::int64_t ns);

}  // namespace izo::replay
