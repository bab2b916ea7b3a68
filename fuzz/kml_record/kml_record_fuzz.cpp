// The KML record decoder. Any bytes: decode() and validate() agree on whether
// they are one good record; a record that decodes obeys every rule (check())
// and encodes back to exactly the same bytes (the format is canonical, so two
// hosts never disagree on a record's bytes); its text and JSON forms print.
#include <cstdint>
#include <span>
#include <algorithm>
#include <string>
#include <vector>

#include "kml/record.hpp"
#include "print/record_print.hpp"
#include "support/check.hpp"
#include "support/entry.hpp"

#ifdef IZO_LIBFUZZER
#include "support/fixup.hpp"
#include "support/mutate.hpp"

IZO_FUZZ_REPAIRING_MUTATOR(fix_kml_record)
#endif

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace izo;
  const std::span<const std::uint8_t> bytes(data, size);
  const auto record = kml::decode(bytes);
  const auto problem = kml::validate(bytes);
  IZO_FUZZ_REQUIRE(record.ok() == !problem.has_value(),
                   "decode() and validate() disagree: " +
                       (record.ok() ? "validate says " + problem->message : "decode says " + record.error().message));
  if (!record) return 0;

  const auto broken = kml::check(*record);
  IZO_FUZZ_REQUIRE(!broken, "decode() returned a record check() refuses: " + (broken ? broken->message : ""));
  IZO_FUZZ_REQUIRE(kml::encoded_size(*record) == size, "encoded_size() differs from the decoded size");
  std::vector<std::uint8_t> again;
  const auto n = kml::encode(*record, again);
  IZO_FUZZ_REQUIRE(n.ok() && *n == size, "a decoded record does not encode");
  IZO_FUZZ_REQUIRE(std::equal(again.begin(), again.end(), bytes.begin()),
                   "a decoded record encodes to other bytes (the format is not canonical)");

  // kmldump's two forms: one line of text whatever the names hold, and JSON
  // (serialised as kmldump does it, replacing bytes that are not UTF-8).
  const std::string text = replay::record_text(*record, 0);
  IZO_FUZZ_REQUIRE(!text.empty(), "a record printed as nothing");
  for (const char c : text)
    IZO_FUZZ_REQUIRE(static_cast<unsigned char>(c) >= 0x20 && c != 0x7f,
                     "a record's text form holds a control character: " + text);
  const std::string json =
      replay::record_json(*record, 0).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  IZO_FUZZ_REQUIRE(nlohmann::json::accept(json), "a record's JSON form does not parse back");
  return 0;
}
