#include "wire/messages.hpp"

#include <array>

#include "util/bytes.hpp"

namespace izo::wire {
namespace {

template <std::size_t I = 0>
std::optional<Message> blank_of_kind(Kind k) {
  if constexpr (I < std::variant_size_v<Message>) {
    using M = std::variant_alternative_t<I, Message>;
    if (M::kind == k) return Message{std::in_place_index<I>};
    return blank_of_kind<I + 1>(k);
  } else {
    return std::nullopt;
  }
}

constexpr std::array<std::string_view, 22> kKindNames = {
    "?",           "hello",         "hello_reply", "get_permit",       "permit_reply",
    "break_permit", "release_permit", "validate",  "validate_reply",   "fetch_file",
    "fetch_file_reply", "fetch_dir", "fetch_dir_reply", "reintegrate", "reintegrate_reply",
    "update_notify", "ack",          "error_reply", "heartbeat",      "describe",
    "describe_reply", "push_contents"};

}  // namespace

std::string_view kind_name(Kind k) {
  const auto i = static_cast<std::size_t>(k);
  return i < kKindNames.size() ? kKindNames[i] : std::string_view("?");
}

Kind kind_of(const Message& m) {
  return std::visit([](const auto& x) { return std::decay_t<decltype(x)>::kind; }, m);
}

void encode_message(const Message& m, std::vector<std::uint8_t>& out) {
  std::visit(
      [&](const auto& x) {
        Writer w(out);
        w("kind", std::decay_t<decltype(x)>::kind);
        std::decay_t<decltype(x)>::fields(x, w);
      },
      m);
}

Result<Message> decode_message(std::span<const std::uint8_t> payload) {
  Reader r(payload);
  Kind k{};
  r("kind", k);
  if (r.failed()) return r.error();
  auto m = blank_of_kind(k);
  if (!m) return Error{"unknown message kind " + std::to_string(static_cast<unsigned>(k)), 0};
  std::visit([&](auto& x) { std::decay_t<decltype(x)>::fields(x, r); }, *m);
  if (r.failed()) {
    Error e = r.error();
    e.message = std::string(kind_name(k)) + ": " + e.message;
    return e;
  }
  if (r.left() != 0)
    return Error{std::string(kind_name(k)) + ": " + std::to_string(r.left()) +
                     " trailing bytes after the message",
                 r.offset()};
  return *std::move(m);
}

}  // namespace izo::wire
