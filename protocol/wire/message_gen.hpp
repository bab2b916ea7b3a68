// RapidCheck generator of any wire message with legal random fields
// (test-only header). It walks the same `fields` lists as the codec.
#pragma once

#include <rapidcheck.h>

#include "kml/record_gen.hpp"
#include "wire/messages.hpp"

namespace izo::wire::testing {

// Fills every field of a message with a random legal value; must run inside
// rc::gen::exec.
struct Filler {
  template <class T>
    requires std::is_integral_v<T>
  void operator()(std::string_view, T& v) { v = *rc::gen::arbitrary<T>(); }
  void operator()(std::string_view, bool& v) { v = *rc::gen::arbitrary<bool>(); }
  void operator()(std::string_view, Status& v) {
    v = static_cast<Status>(*rc::gen::inRange<std::uint16_t>(0, 8));
  }
  void operator()(std::string_view, Kind&) {}
  void operator()(std::string_view, Version& v) { v = *kml::testing::gen_version(); }
  void operator()(std::string_view, std::string& s, Text rule) {
    switch (rule) {
      case Text::name: s = *kml::testing::gen_name(); break;
      case Text::path: s = *rc::gen::oneOf(rc::gen::just(std::string()), kml::testing::gen_path()); break;
      case Text::prose: s = *rc::gen::container<std::string>(rc::gen::inRange<char>(32, 127)); break;
    }
  }
  void operator()(std::string_view, std::vector<kml::Record>& records) {
    const auto n = *rc::gen::inRange<std::size_t>(0, 4);
    records.clear();
    for (std::size_t i = 0; i < n; ++i) records.push_back(*kml::testing::gen_record());
  }
  void operator()(std::string_view, Blob& b, std::size_t) { b.bytes = *rc::gen::arbitrary<std::string>(); }
  template <class T>
  void operator()(std::string_view, std::vector<T>& items, std::size_t) {
    const auto n = *rc::gen::inRange<std::size_t>(0, 4);
    items.resize(n);
    for (auto& item : items) T::fields(item, *this);
  }
};

template <std::size_t I = 0>
Message random_message_of(std::size_t index) {
  if constexpr (I + 1 < std::variant_size_v<Message>) {
    if (index != I) return random_message_of<I + 1>(index);
  }
  std::variant_alternative_t<I, Message> m;
  Filler f;
  decltype(m)::fields(m, f);
  return m;
}

inline rc::Gen<Message> gen_message() {
  return rc::gen::exec([] {
    const auto i = *rc::gen::inRange<std::size_t>(0, std::variant_size_v<Message>);
    return random_message_of(i);
  });
}

}  // namespace izo::wire::testing
