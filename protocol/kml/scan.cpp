#include "kml/scan.hpp"

#include <algorithm>
#include <string>

#include "util/bytes.hpp"

namespace izo::kml {
namespace {

constexpr std::size_t kLenOff = offsetof(struct izo_kml_head, len);
constexpr std::size_t kRecnoOff = offsetof(struct izo_kml_head, recno);
constexpr std::size_t kOpcodeOff = offsetof(struct izo_kml_head, opcode);

Error at(std::size_t base, Error e) {
  e.offset += base;
  return e;
}

Frame make_frame(std::span<const std::uint8_t> log, std::size_t off, std::size_t len) {
  const std::uint8_t* p = log.data() + off;
  return Frame{off, len, get_le<std::uint64_t>(p + kRecnoOff),
               static_cast<Op>(get_le<std::uint16_t>(p + kOpcodeOff)), log.subspan(off, len)};
}

bool all_zero(std::span<const std::uint8_t> b) {
  return std::all_of(b.begin(), b.end(), [](std::uint8_t c) { return c == 0; });
}

// The first offset after `from` (8-aligned) where a good record starts.
std::optional<std::size_t> find_next_good(std::span<const std::uint8_t> log, std::size_t from,
                                          std::uint64_t after_recno) {
  for (std::size_t off = (from + IZO_KML_ALIGN) & ~std::size_t{IZO_KML_ALIGN - 1};
       off + IZO_KML_MIN_LEN <= log.size(); off += IZO_KML_ALIGN) {
    if (get_le<std::uint32_t>(log.data() + off) != IZO_KML_MAGIC) continue;
    auto f = frame_at(log, off);
    if (f && f->recno > after_recno) return off;
  }
  return std::nullopt;
}

}  // namespace

std::string_view tail_name(Tail t) {
  switch (t) {
    case Tail::clean: return "clean";
    case Tail::torn: return "torn";
    case Tail::corrupt: return "corrupt";
  }
  return "?";
}

Result<Frame> frame_at(std::span<const std::uint8_t> log, std::size_t off) {
  if (off % IZO_KML_ALIGN != 0) return Error{"record offset is not 8-aligned", off};
  const std::size_t left = log.size() - std::min(off, log.size());
  const std::uint8_t* p = log.data() + off;
  if (left >= 4 && get_le<std::uint32_t>(p) != IZO_KML_MAGIC) return Error{"bad magic", off};
  if (left < IZO_KML_MIN_LEN)
    return Error{"incomplete record: " + std::to_string(left) + " bytes left", off};
  const std::size_t len = get_le<std::uint32_t>(p + kLenOff);
  if (len < IZO_KML_MIN_LEN || len > IZO_KML_MAX_LEN || len % IZO_KML_ALIGN != 0)
    return Error{"impossible record length " + std::to_string(len), off + kLenOff};
  if (len > left)
    return Error{"incomplete record: length " + std::to_string(len) + " but " +
                     std::to_string(left) + " bytes left",
                 off + kLenOff};
  if (auto e = validate(log.subspan(off, len))) return at(off, *std::move(e));
  return make_frame(log, off, len);
}

ScanReport scan_forward(std::span<const std::uint8_t> log, const Visitor& visit) {
  ScanReport r;
  std::size_t off = 0;
  while (off < log.size()) {
    auto f = frame_at(log, off);
    if (f && r.records > 0 && f->recno != r.last_recno + 1) {
      f = Error{"record number " + std::to_string(f->recno) + " where " +
                    std::to_string(r.last_recno + 1) + " was expected",
                off + kRecnoOff};
    } else if (f && f->recno == 0) {
      f = Error{"record number 0", off + kRecnoOff};
    }
    if (!f) {
      const bool well_formed = frame_at(log, off).ok();
      r.problem = f.error();
      r.looks_like_kml = r.records > 0 || all_zero(log) ||
                         (log.size() >= 4 && get_le<std::uint32_t>(log.data()) == IZO_KML_MAGIC);
      if (auto next = find_next_good(log, off, r.last_recno); next || well_formed) {
        r.tail = Tail::corrupt;
        r.resync_offset = next.value_or(off);
      } else {
        r.tail = Tail::torn;
        r.zero_filled = all_zero(log.subspan(off));
      }
      return r;
    }
    if (r.records == 0) r.first_recno = f->recno;
    r.last_recno = f->recno;
    ++r.records;
    off += f->len;
    r.good_end = off;
    if (visit && !visit(*f)) {
      r.stopped_early = true;
      return r;
    }
  }
  return r;
}

Result<std::uint64_t> scan_backward(std::span<const std::uint8_t> log, std::size_t end,
                                    const Visitor& visit) {
  if (end > log.size()) return Error{"end beyond the log", end};
  std::uint64_t count = 0;
  std::uint64_t next_recno = 0;  // the recno of the record after this one
  while (end > 0) {
    if (end < IZO_KML_MIN_LEN) return Error{"incomplete record before offset", end};
    const std::size_t len = get_le<std::uint32_t>(log.data() + end - 4);
    if (len < IZO_KML_MIN_LEN || len > end || len % IZO_KML_ALIGN != 0)
      return Error{"impossible record length " + std::to_string(len) + " at the end", end - 4};
    auto f = frame_at(log, end - len);
    if (!f) return f.error();
    if (next_recno != 0 && f->recno + 1 != next_recno)
      return Error{"record number " + std::to_string(f->recno) + " where " +
                       std::to_string(next_recno - 1) + " was expected",
                   f->offset + kRecnoOff};
    next_recno = f->recno;
    ++count;
    end = f->offset;
    if (visit && !visit(*f)) break;
  }
  return count;
}

}  // namespace izo::kml
