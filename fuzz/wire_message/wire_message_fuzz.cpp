// The wire message decoder on any payload: a message that decodes names its
// kind, re-encodes to exactly the same bytes (a message has one encoding) and
// decodes again to the same value; one that does not decode is refused with
// an error naming a field inside the payload.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "support/check.hpp"
#include "support/entry.hpp"
#include "wire/messages.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace izo;
  const std::span<const std::uint8_t> payload(data, size);
  const auto m = wire::decode_message(payload);
  if (!m) {
    IZO_FUZZ_REQUIRE(!m.error().message.empty(), "a message refused without a reason");
    IZO_FUZZ_REQUIRE(m.error().offset <= size, "an error offset outside the payload");
    return 0;
  }
  IZO_FUZZ_REQUIRE(!wire::kind_name(wire::kind_of(*m)).empty(), "a decoded message of no known kind");
  std::vector<std::uint8_t> again;
  wire::encode_message(*m, again);
  IZO_FUZZ_REQUIRE(again.size() == size && std::equal(again.begin(), again.end(), payload.begin()),
                   "a decoded " + std::string(wire::kind_name(wire::kind_of(*m))) + " re-encodes to other bytes");
  const auto twice = wire::decode_message(again);
  IZO_FUZZ_REQUIRE(twice.ok() && *twice == *m, "a re-encoded message decodes to another value");
  return 0;
}
