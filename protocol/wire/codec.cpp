#include "wire/codec.hpp"

#include <stdexcept>

#include "util/bytes.hpp"
#include "util/fileset_path.hpp"

namespace izo::wire {

std::optional<std::string_view> name_problem(std::string_view name) {
  if (name.empty()) return "empty name";
  if (name.size() > 255) return "name longer than 255 bytes";
  for (char c : name) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '/') return "'/' in name";
    if (u < 0x20 || u == 0x7F) return "control character in name";
  }
  return std::nullopt;
}

void Writer::operator()(std::string_view, const std::string& s, Text rule) {
  if (rule == Text::prose && s.size() > kMaxProse) {
    put(static_cast<std::uint16_t>(kMaxProse));  // long messages are cut, not refused
    out_.insert(out_.end(), s.begin(), s.begin() + kMaxProse);
    return;
  }
  put(static_cast<std::uint16_t>(s.size()));
  out_.insert(out_.end(), s.begin(), s.end());
}

void Writer::operator()(std::string_view, const std::vector<kml::Record>& records) {
  put(static_cast<std::uint32_t>(records.size()));
  for (const auto& r : records) {
    auto n = kml::encode(r, out_);
    if (!n) throw std::invalid_argument("wire: record " + std::to_string(r.recno) +
                                        " cannot be encoded: " + n.error().message);
  }
}

void Writer::operator()(std::string_view field, const Blob& b, std::size_t max) {
  if (b.bytes.size() > max)
    throw std::invalid_argument("wire: " + std::string(field) + " of " + std::to_string(b.bytes.size()) +
                                " bytes, over the limit of " + std::to_string(max));
  put(static_cast<std::uint32_t>(b.bytes.size()));
  out_.insert(out_.end(), b.bytes.begin(), b.bytes.end());
}

void Reader::fail(std::string message, std::size_t at) {
  if (!error_) error_ = Error{std::move(message), at};
  pos_ = in_.size();
}

bool Reader::need(std::string_view field, std::size_t n) {
  if (failed()) return false;
  if (left() < n) {
    fail("truncated: " + std::string(field) + " needs " + std::to_string(n) + " bytes, " +
             std::to_string(left()) + " left",
         pos_);
    return false;
  }
  return true;
}

void Reader::operator()(std::string_view field, bool& v) {
  const std::size_t at = pos_;
  const auto b = get<std::uint8_t>(field);
  if (b > 1) fail(std::string(field) + ": boolean is " + std::to_string(b), at);
  v = b == 1;
}

std::size_t Reader::count(std::string_view field, std::size_t max) {
  const std::size_t at = pos_;
  const std::size_t n = get<std::uint32_t>(field);
  if (n > max) {
    fail(std::string(field) + ": " + std::to_string(n) + " items, more than the limit of " +
             std::to_string(max),
         at);
    return 0;
  }
  return n;
}

void Reader::operator()(std::string_view field, std::string& s, Text rule) {
  const std::size_t at = pos_;
  const std::size_t n = get<std::uint16_t>(field);
  const std::size_t max = rule == Text::prose ? kMaxProse : rule == Text::name ? 255 : IZO_KML_MAX_PATH;
  if (failed()) return;
  if (n > max) {
    fail(std::string(field) + ": length " + std::to_string(n) + " over the limit of " +
             std::to_string(max),
         at);
    return;
  }
  if (!need(field, n)) return;
  s.assign(reinterpret_cast<const char*>(in_.data() + pos_), n);
  pos_ += n;
  std::optional<std::string_view> why;
  if (rule == Text::name) why = name_problem(s);
  if (rule == Text::path) why = fileset_path_problem(s, true);
  if (why) fail(std::string(field) + ": " + std::string(*why), at + 2);
}

void Reader::operator()(std::string_view field, Blob& b, std::size_t max) {
  const std::size_t at = pos_;
  const std::size_t n = get<std::uint32_t>(field);
  if (failed()) return;
  if (n > max) {
    fail(std::string(field) + ": " + std::to_string(n) + " bytes, over the limit of " + std::to_string(max), at);
    return;
  }
  if (!need(field, n)) return;
  b.bytes.assign(reinterpret_cast<const char*>(in_.data() + pos_), n);
  pos_ += n;
}

void Reader::operator()(std::string_view field, std::vector<kml::Record>& records) {
  const auto n = count(field, kMaxRecordsPerBatch);
  records.clear();
  for (std::size_t i = 0; i < n && !failed(); ++i) {
    const std::size_t at = pos_;
    if (!need(field, IZO_KML_MIN_LEN)) return;
    const std::size_t len = get_le<std::uint32_t>(in_.data() + pos_ + 4);
    if (len < IZO_KML_MIN_LEN || len > IZO_KML_MAX_LEN) {
      fail(std::string(field) + "[" + std::to_string(i) + "]: impossible record length " +
               std::to_string(len),
           at + 4);
      return;
    }
    if (!need(field, len)) return;
    auto r = kml::decode(in_.subspan(pos_, len));
    if (!r) {
      fail(std::string(field) + "[" + std::to_string(i) + "]: " + r.error().message,
           at + r.error().offset);
      return;
    }
    records.push_back(std::move(r).value());
    pos_ += len;
  }
}

}  // namespace izo::wire
