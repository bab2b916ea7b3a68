// The upcall message decoder (Presto <-> Lento, both filters): a message that
// decodes passes check(), re-encodes to exactly its bytes, and its first
// bytes frame exactly its length, as a reader of the device or the socket
// would find it; bytes that do not decode are refused with a reason, and a
// prefix that frame_length() accepts never claims fewer bytes than a header.
#include <algorithm>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "izo/upcall_format.h"
#include "support/check.hpp"
#include "support/entry.hpp"
#include "upcall/message.hpp"

#ifdef IZO_LIBFUZZER
#include "support/fixup.hpp"
#include "support/mutate.hpp"

IZO_FUZZ_REPAIRING_MUTATOR(fix_upcall)
#endif

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace izo;
  const std::span<const std::uint8_t> bytes(data, size);
  const auto framed = upcall::frame_length(bytes.first(std::min<std::size_t>(size, 8)));
  if (framed.ok() && *framed)
    IZO_FUZZ_REQUIRE(**framed >= IZO_UPCALL_HEAD_SIZE, "frame_length() accepts a message shorter than its header");

  const auto m = upcall::decode(bytes);
  if (!m) {
    IZO_FUZZ_REQUIRE(!m.error().message.empty(), "a message refused without a reason");
    return 0;
  }
  IZO_FUZZ_REQUIRE(framed.ok() && *framed && **framed == size,
                   "a message decodes but its first bytes frame another length");
  const auto problem = upcall::check(*m);
  IZO_FUZZ_REQUIRE(!problem, "decode() returned a message check() refuses: " + (problem ? problem->message : ""));
  IZO_FUZZ_REQUIRE(upcall::from_lento(static_cast<std::uint16_t>(m->kind)).has_value(),
                   "a decoded message of no known kind");
  const auto again = upcall::encode(*m);
  IZO_FUZZ_REQUIRE(again.ok() && again->size() == size && std::equal(again->begin(), again->end(), bytes.begin()),
                   "a decoded " + std::string(upcall::kind_name(m->kind)) + " re-encodes to other bytes");
  return 0;
}
