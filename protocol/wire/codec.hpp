// Field-by-field encoding of wire messages. A message lists its fields once
// (a static `fields(self, f)` function); the Writer and the Reader below walk
// that list, so encoding and decoding cannot drift apart. The Reader never
// reads past its input, enforces a limit on every length, and its first error
// names the field and the offset.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "kml/record.hpp"
#include "kml/version.hpp"
#include "util/bytes.hpp"
#include "util/result.hpp"

namespace izo::wire {

// What a string field may hold.
enum class Text {
  name,   // a host or fileset name: 1..255 bytes, no '/', no control characters
  path,   // a fileset path (util/fileset_path.hpp); "" is the root
  prose,  // a human-readable message: up to 1024 bytes
};

inline constexpr std::size_t kMaxProse = 1024;
inline constexpr std::size_t kMaxRecordsPerBatch = 1024;
inline constexpr std::size_t kMaxDirEntries = 65536;
inline constexpr std::size_t kMaxDescribeNames = 512;  // two records each fit in one reply

// Opaque bytes (a file's content): a u32 length, then the bytes.
struct Blob {
  std::string bytes;
  friend bool operator==(const Blob&, const Blob&) = default;
};

class Writer {
 public:
  explicit Writer(std::vector<std::uint8_t>& out) : out_(out) {}

  template <class T>
    requires std::is_integral_v<T> || std::is_enum_v<T>
  void operator()(std::string_view, const T& v) { put(v); }
  void operator()(std::string_view, const bool& v) { put<std::uint8_t>(v ? 1 : 0); }
  void operator()(std::string_view, const Version& v) {
    put(v.host);
    put(v.seq);
  }
  void operator()(std::string_view, const std::string& s, Text);
  void operator()(std::string_view, const std::vector<kml::Record>& records);
  void operator()(std::string_view, const Blob& b, std::size_t max);
  template <class T>
  void operator()(std::string_view, const std::vector<T>& items, std::size_t) {
    put(static_cast<std::uint32_t>(items.size()));
    for (const T& item : items) T::fields(item, *this);
  }

 private:
  template <class T>
  void put(T v);
  std::vector<std::uint8_t>& out_;
};

class Reader {
 public:
  explicit Reader(std::span<const std::uint8_t> in) : in_(in) {}

  template <class T>
    requires std::is_integral_v<T> || std::is_enum_v<T>
  void operator()(std::string_view field, T& v) { v = get<T>(field); }
  void operator()(std::string_view field, bool& v);
  void operator()(std::string_view field, Version& v) {
    v.host = get<std::uint64_t>(field);
    v.seq = get<std::uint64_t>(field);
  }
  void operator()(std::string_view field, std::string& s, Text rule);
  void operator()(std::string_view field, std::vector<kml::Record>& records);
  void operator()(std::string_view field, Blob& b, std::size_t max);
  template <class T>
  void operator()(std::string_view field, std::vector<T>& items, std::size_t max) {
    const auto n = count(field, max);
    items.clear();
    for (std::size_t i = 0; i < n && !failed(); ++i) T::fields(items.emplace_back(), *this);
  }

  bool failed() const { return error_.has_value(); }
  const Error& error() const { return *error_; }
  std::size_t offset() const { return pos_; }
  std::size_t left() const { return in_.size() - pos_; }
  void fail(std::string message, std::size_t at);

 private:
  template <class T>
  T get(std::string_view field);
  std::size_t count(std::string_view field, std::size_t max);
  bool need(std::string_view field, std::size_t n);

  std::span<const std::uint8_t> in_;
  std::size_t pos_ = 0;
  std::optional<Error> error_;
};

template <class T>
using wire_int_t = typename std::conditional_t<std::is_enum_v<T>, std::underlying_type<T>,
                                               std::type_identity<T>>::type;

template <class T>
void Writer::put(T v) {
  using Int = wire_int_t<T>;
  const std::size_t at = out_.size();
  out_.resize(at + sizeof(Int));
  put_le<Int>(out_.data() + at, static_cast<Int>(v));
}

template <class T>
T Reader::get(std::string_view field) {
  using Int = wire_int_t<T>;
  if (!need(field, sizeof(Int))) return T{};
  const Int v = get_le<Int>(in_.data() + pos_);
  pos_ += sizeof(Int);
  return static_cast<T>(v);
}

// The rule for a name (host or fileset): nullopt when legal, else why not.
std::optional<std::string_view> name_problem(std::string_view name);

}  // namespace izo::wire
