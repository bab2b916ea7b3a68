#include "kml/record.hpp"

#include <array>
#include <cstddef>
#include <cstring>

#include "util/bytes.hpp"
#include "util/crc32c.hpp"
#include "util/fileset_path.hpp"

namespace izo::kml {
namespace {

constexpr std::array<std::string_view, kOpCount> kOpNames = {
    "noop",  "create",  "mkdir", "unlink",  "rmdir",    "rename",  "link",
    "symlink", "mknod", "setattr", "close", "setxattr", "delxattr"};

#define HEAD_OFF(field) offsetof(struct izo_kml_head, field)

// Every field of a record, borrowed either from a Record or from its bytes,
// so that one function states the content rules for both.
struct Fields {
  std::uint16_t format = IZO_KML_FORMAT_V1;
  std::uint16_t opcode = 0;
  std::uint32_t flags = 0;
  std::uint32_t valid = 0;
  std::uint32_t reserved = 0;
  std::string_view path, path2, data;
};

Fields fields_of(const Record& r) {
  return Fields{IZO_KML_FORMAT_V1, static_cast<std::uint16_t>(r.op), r.flags, r.attrs.valid, 0,
                r.path, r.path2, r.data};
}

std::string_view view(std::span<const std::uint8_t> b, std::size_t off, std::size_t n) {
  return {reinterpret_cast<const char*>(b.data() + off), n};
}

// Assumes the framing is good: head.len == bytes.size() and the variable
// part fits (check_frame_lengths below).
Fields fields_of(std::span<const std::uint8_t> b) {
  const std::uint8_t* p = b.data();
  const std::size_t plen = get_le<std::uint16_t>(p + HEAD_OFF(path_len));
  const std::size_t p2len = get_le<std::uint16_t>(p + HEAD_OFF(path2_len));
  const std::size_t dlen = get_le<std::uint32_t>(p + HEAD_OFF(data_len));
  Fields f;
  f.format = get_le<std::uint16_t>(p + HEAD_OFF(format));
  f.opcode = get_le<std::uint16_t>(p + HEAD_OFF(opcode));
  f.flags = get_le<std::uint32_t>(p + HEAD_OFF(flags));
  f.valid = get_le<std::uint32_t>(p + HEAD_OFF(valid));
  f.reserved = get_le<std::uint32_t>(p + HEAD_OFF(reserved));
  f.path = view(b, IZO_KML_HEAD_SIZE, plen);
  f.path2 = view(b, IZO_KML_HEAD_SIZE + plen, p2len);
  f.data = view(b, IZO_KML_HEAD_SIZE + plen + p2len, dlen);
  return f;
}

bool uses_path2(Op op) {
  return op == Op::rename || op == Op::link || op == Op::symlink || op == Op::setxattr ||
         op == Op::delxattr;
}

bool allows_root(Op op) {
  return op == Op::noop || op == Op::setattr || op == Op::setxattr || op == Op::delxattr;
}

std::optional<Error> fail(std::string what, std::size_t field_offset) {
  return Error{std::move(what), field_offset};
}

std::optional<Error> check_fields(const Fields& f) {
  if (f.format != IZO_KML_FORMAT_V1)
    return fail("unknown format version " + std::to_string(f.format), HEAD_OFF(format));
  if (f.opcode >= kOpCount)
    return fail("unknown opcode " + std::to_string(f.opcode), HEAD_OFF(opcode));
  const auto op = static_cast<Op>(f.opcode);
  const std::string name(op_name(op));
  if (f.reserved != 0) return fail("reserved field is not zero", HEAD_OFF(reserved));
  if ((f.flags & ~IZO_KML_FLAG_ALL) != 0 || (f.flags != 0 && op != Op::setxattr))
    return fail(name + ": flags 0x" + std::to_string(f.flags) + " not allowed", HEAD_OFF(flags));
  if ((f.valid & ~IZO_ATTR_ALL) != 0)
    return fail(name + ": unknown attribute bits in valid", HEAD_OFF(valid));
  if (f.path.size() > IZO_KML_MAX_PATH || f.path2.size() > IZO_KML_MAX_PATH)
    return fail(name + ": path longer than 4096 bytes", HEAD_OFF(path_len));
  if (f.data.size() > IZO_KML_MAX_DATA)
    return fail(name + ": data longer than 65536 bytes", HEAD_OFF(data_len));
  if (auto why = fileset_path_problem(f.path, allows_root(op)))
    return fail(name + ": path: " + std::string(*why), IZO_KML_HEAD_SIZE);
  const std::size_t path2_at = IZO_KML_HEAD_SIZE + f.path.size();
  if (!uses_path2(op) && !f.path2.empty())
    return fail(name + ": unexpected second path", HEAD_OFF(path2_len));
  if (op == Op::rename || op == Op::link) {
    if (auto why = fileset_path_problem(f.path2, false))
      return fail(name + ": path2: " + std::string(*why), path2_at);
  }
  if (op == Op::symlink) {
    if (f.path2.empty() || f.path2.find('\0') != std::string_view::npos)
      return fail("symlink: target must be non-empty with no NUL byte", path2_at);
  }
  if (op == Op::setxattr || op == Op::delxattr) {
    if (f.path2.empty() || f.path2.size() > IZO_KML_MAX_NAME ||
        f.path2.find('\0') != std::string_view::npos)
      return fail(name + ": xattr name must be 1..255 bytes with no NUL byte", path2_at);
  }
  if (op != Op::setxattr && !f.data.empty())
    return fail(name + ": unexpected data", HEAD_OFF(data_len));
  return std::nullopt;
}

std::size_t variable_size(const Record& r) { return r.path.size() + r.path2.size() + r.data.size(); }

void put_version(std::uint8_t* p, izo_kml_version_slot slot, const Version& v) {
  const std::size_t at = HEAD_OFF(versions) + static_cast<std::size_t>(slot) * sizeof(izo_kml_version);
  put_le<std::uint64_t>(p + at, v.host);
  put_le<std::uint64_t>(p + at + 8, v.seq);
}

Version get_version(const std::uint8_t* p, izo_kml_version_slot slot) {
  const std::size_t at = HEAD_OFF(versions) + static_cast<std::size_t>(slot) * sizeof(izo_kml_version);
  return Version{get_le<std::uint64_t>(p + at), get_le<std::uint64_t>(p + at + 8)};
}

std::optional<Error> check_frame(std::span<const std::uint8_t> b) {
  if (b.size() < IZO_KML_MIN_LEN)
    return fail("record shorter than the minimum of " + std::to_string(IZO_KML_MIN_LEN), 0);
  const std::uint8_t* p = b.data();
  if (get_le<std::uint32_t>(p) != IZO_KML_MAGIC) return fail("bad magic", 0);
  const std::uint32_t len = get_le<std::uint32_t>(p + HEAD_OFF(len));
  if (len != b.size())
    return fail("length " + std::to_string(len) + " does not match the record's " +
                    std::to_string(b.size()) + " bytes",
                HEAD_OFF(len));
  const std::size_t tail = b.size() - IZO_KML_TAIL_SIZE;
  if (get_le<std::uint32_t>(p + tail + 4) != len)
    return fail("length at the end differs from the length at the start", tail + 4);
  const std::size_t var = std::size_t{get_le<std::uint16_t>(p + HEAD_OFF(path_len))} +
                          get_le<std::uint16_t>(p + HEAD_OFF(path2_len)) +
                          get_le<std::uint32_t>(p + HEAD_OFF(data_len));
  if (IZO_KML_RECORD_LEN(var) != len)
    return fail("field lengths do not add up to the record length", HEAD_OFF(path_len));
  if (crc32c(p, tail) != get_le<std::uint32_t>(p + tail))
    return fail("checksum mismatch", tail);
  for (std::size_t i = IZO_KML_HEAD_SIZE + var; i < tail; ++i)
    if (p[i] != 0) return fail("padding is not zero", i);
  return std::nullopt;
}

}  // namespace

std::string_view op_name(Op op) {
  const auto i = static_cast<std::size_t>(op);
  return i < kOpCount ? kOpNames[i] : std::string_view("unknown");
}

std::optional<Op> op_from_name(std::string_view name) {
  for (std::size_t i = 0; i < kOpCount; ++i)
    if (kOpNames[i] == name) return static_cast<Op>(i);
  return std::nullopt;
}

std::optional<Error> check(const Record& r) { return check_fields(fields_of(r)); }

std::size_t encoded_size(const Record& r) { return IZO_KML_RECORD_LEN(variable_size(r)); }

Result<std::size_t> encode(const Record& r, std::vector<std::uint8_t>& out) {
  if (auto e = check(r)) return *std::move(e);
  const std::size_t len = encoded_size(r);
  const std::size_t base = out.size();
  out.resize(base + len);  // zero-fills padding
  std::uint8_t* p = out.data() + base;
  put_le<std::uint32_t>(p + HEAD_OFF(magic), IZO_KML_MAGIC);
  put_le<std::uint32_t>(p + HEAD_OFF(len), static_cast<std::uint32_t>(len));
  put_le<std::uint64_t>(p + HEAD_OFF(recno), r.recno);
  put_le<std::uint16_t>(p + HEAD_OFF(format), IZO_KML_FORMAT_V1);
  put_le<std::uint16_t>(p + HEAD_OFF(opcode), static_cast<std::uint16_t>(r.op));
  put_le<std::uint32_t>(p + HEAD_OFF(flags), r.flags);
  put_le<std::uint32_t>(p + HEAD_OFF(pid), r.writer.pid);
  put_le<std::uint32_t>(p + HEAD_OFF(uid), r.writer.uid);
  put_le<std::uint32_t>(p + HEAD_OFF(gid), r.writer.gid);
  put_le<std::uint16_t>(p + HEAD_OFF(path_len), static_cast<std::uint16_t>(r.path.size()));
  put_le<std::uint16_t>(p + HEAD_OFF(path2_len), static_cast<std::uint16_t>(r.path2.size()));
  put_le<std::uint32_t>(p + HEAD_OFF(data_len), static_cast<std::uint32_t>(r.data.size()));
  put_le<std::uint32_t>(p + HEAD_OFF(valid), r.attrs.valid);
  put_le<std::int64_t>(p + HEAD_OFF(time_ns), r.time_ns);
  put_version(p, IZO_V_OBJ_OLD, r.obj_old);
  put_version(p, IZO_V_OBJ_NEW, r.obj_new);
  put_version(p, IZO_V_PARENT_OLD, r.parent_old);
  put_version(p, IZO_V_PARENT_NEW, r.parent_new);
  put_version(p, IZO_V_TPARENT_OLD, r.tparent_old);
  put_version(p, IZO_V_TPARENT_NEW, r.tparent_new);
  put_version(p, IZO_V_TARGET_OLD, r.target_old);
  put_le<std::uint32_t>(p + HEAD_OFF(mode), r.attrs.mode);
  put_le<std::uint32_t>(p + HEAD_OFF(attr_uid), r.attrs.uid);
  put_le<std::uint32_t>(p + HEAD_OFF(attr_gid), r.attrs.gid);
  put_le<std::uint64_t>(p + HEAD_OFF(size), r.attrs.size);
  put_le<std::int64_t>(p + HEAD_OFF(atime_ns), r.attrs.atime_ns);
  put_le<std::int64_t>(p + HEAD_OFF(mtime_ns), r.attrs.mtime_ns);
  put_le<std::uint64_t>(p + HEAD_OFF(rdev), r.attrs.rdev);
  put_le<std::uint64_t>(p + HEAD_OFF(origin), r.origin);
  put_le<std::uint64_t>(p + HEAD_OFF(origin_recno), r.origin_recno);
  std::uint8_t* v = p + IZO_KML_HEAD_SIZE;
  for (const std::string* s : {&r.path, &r.path2, &r.data}) {
    std::memcpy(v, s->data(), s->size());
    v += s->size();
  }
  const std::size_t tail = len - IZO_KML_TAIL_SIZE;
  put_le<std::uint32_t>(p + tail, crc32c(p, tail));
  put_le<std::uint32_t>(p + tail + 4, static_cast<std::uint32_t>(len));
  return len;
}

std::optional<Error> validate(std::span<const std::uint8_t> bytes) {
  if (auto e = check_frame(bytes)) return e;
  return check_fields(fields_of(bytes));
}

Result<Record> decode(std::span<const std::uint8_t> b) {
  if (auto e = validate(b)) return *std::move(e);
  const Fields f = fields_of(b);
  const std::uint8_t* p = b.data();
  Record r;
  r.recno = get_le<std::uint64_t>(p + HEAD_OFF(recno));
  r.op = static_cast<Op>(f.opcode);
  r.flags = f.flags;
  r.writer = {get_le<std::uint32_t>(p + HEAD_OFF(pid)), get_le<std::uint32_t>(p + HEAD_OFF(uid)),
              get_le<std::uint32_t>(p + HEAD_OFF(gid))};
  r.time_ns = get_le<std::int64_t>(p + HEAD_OFF(time_ns));
  r.obj_old = get_version(p, IZO_V_OBJ_OLD);
  r.obj_new = get_version(p, IZO_V_OBJ_NEW);
  r.parent_old = get_version(p, IZO_V_PARENT_OLD);
  r.parent_new = get_version(p, IZO_V_PARENT_NEW);
  r.tparent_old = get_version(p, IZO_V_TPARENT_OLD);
  r.tparent_new = get_version(p, IZO_V_TPARENT_NEW);
  r.target_old = get_version(p, IZO_V_TARGET_OLD);
  r.attrs.valid = f.valid;
  r.attrs.mode = get_le<std::uint32_t>(p + HEAD_OFF(mode));
  r.attrs.uid = get_le<std::uint32_t>(p + HEAD_OFF(attr_uid));
  r.attrs.gid = get_le<std::uint32_t>(p + HEAD_OFF(attr_gid));
  r.attrs.size = get_le<std::uint64_t>(p + HEAD_OFF(size));
  r.attrs.atime_ns = get_le<std::int64_t>(p + HEAD_OFF(atime_ns));
  r.attrs.mtime_ns = get_le<std::int64_t>(p + HEAD_OFF(mtime_ns));
  r.attrs.rdev = get_le<std::uint64_t>(p + HEAD_OFF(rdev));
  r.origin = get_le<std::uint64_t>(p + HEAD_OFF(origin));
  r.origin_recno = get_le<std::uint64_t>(p + HEAD_OFF(origin_recno));
  r.path = f.path;
  r.path2 = f.path2;
  r.data = f.data;
  return r;
}

}  // namespace izo::kml
