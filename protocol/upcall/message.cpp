#include "upcall/message.hpp"

#include <cstddef>

#include "util/bytes.hpp"
#include "util/fileset_path.hpp"
#include "wire/codec.hpp"

namespace izo::upcall {
namespace {

#define UP_OFF(field) offsetof(struct izo_upcall_head, field)

constexpr std::size_t kMaxLen =
    IZO_UPCALL_HEAD_SIZE + IZO_UPCALL_MAX_FILESET + IZO_UPCALL_MAX_PATH + IZO_UPCALL_MAX_DATA;

Error fail(std::string what, std::size_t at) { return Error{std::move(what), at}; }

bool uses_path(Kind k) { return k == Kind::fetch; }
bool uses_recno(Kind k) { return k == Kind::attached || k == Kind::kml_written || k == Kind::journaled; }
bool uses_version(Kind k) { return k == Kind::fetch || k == Kind::attached; }
bool uses_pid(Kind k) { return k == Kind::permit || k == Kind::fetch; }
bool uses_status(Kind k) { return k == Kind::permit_reply || k == Kind::fetch_reply || k == Kind::journaled; }
bool uses_data(Kind k) { return k == Kind::journal; }
bool uses_id(Kind k) {
  return k == Kind::permit || k == Kind::fetch || k == Kind::permit_reply || k == Kind::fetch_reply ||
         k == Kind::journal || k == Kind::sync || k == Kind::journaled;
}

}  // namespace

std::string_view kind_name(Kind k) {
  switch (k) {
    case Kind::attach: return "attach";
    case Kind::permit_reply: return "permit_reply";
    case Kind::fetch_reply: return "fetch_reply";
    case Kind::revoke: return "revoke";
    case Kind::detach: return "detach";
    case Kind::attached: return "attached";
    case Kind::permit: return "permit";
    case Kind::fetch: return "fetch";
    case Kind::kml_written: return "kml_written";
    case Kind::permit_returned: return "permit_returned";
    case Kind::journal: return "journal";
    case Kind::sync: return "sync";
    case Kind::journaled: return "journaled";
  }
  return "?";
}

std::optional<bool> from_lento(std::uint16_t kind) {
  if (kind >= IZO_DOWN_ATTACH && kind <= IZO_DOWN_SYNC) return true;
  if (kind >= IZO_UP_ATTACHED && kind <= IZO_UP_JOURNALED) return false;
  return std::nullopt;
}

std::optional<Error> check(const Message& m) {
  const auto raw = static_cast<std::uint16_t>(m.kind);
  if (!from_lento(raw)) return fail("unknown kind " + std::to_string(raw), UP_OFF(kind));
  const std::string name(kind_name(m.kind));
  if (auto why = wire::name_problem(m.fileset)) return fail(name + ": fileset: " + std::string(*why), IZO_UPCALL_HEAD_SIZE);
  if (uses_path(m.kind)) {
    if (auto why = fileset_path_problem(m.path, false))
      return fail(name + ": path: " + std::string(*why), IZO_UPCALL_HEAD_SIZE + m.fileset.size());
  } else if (!m.path.empty()) {
    return fail(name + ": unexpected path", UP_OFF(path_len));
  }
  if (!uses_status(m.kind) && m.status != 0) return fail(name + ": unexpected status", UP_OFF(status));
  if (!uses_id(m.kind) && m.id != 0) return fail(name + ": unexpected id", UP_OFF(id));
  if (uses_id(m.kind) && m.id == 0) return fail(name + ": id 0 is not a request", UP_OFF(id));
  if (!uses_recno(m.kind) && m.recno != 0) return fail(name + ": unexpected recno", UP_OFF(recno));
  if (!uses_version(m.kind) && m.version.exists()) return fail(name + ": unexpected version", UP_OFF(version));
  if (!uses_pid(m.kind) && m.pid != 0) return fail(name + ": unexpected pid", UP_OFF(pid));
  if (!uses_data(m.kind) && !m.data.empty()) return fail(name + ": unexpected data", UP_OFF(data_len));
  if (uses_data(m.kind) && (m.data.empty() || m.data.size() > IZO_UPCALL_MAX_DATA))
    return fail(name + ": data of " + std::to_string(m.data.size()) + " bytes outside 1.." +
                    std::to_string(IZO_UPCALL_MAX_DATA),
                UP_OFF(data_len));
  return std::nullopt;
}

Result<std::vector<std::uint8_t>> encode(const Message& m) {
  if (auto bad = check(m)) return *bad;
  std::vector<std::uint8_t> out(IZO_UPCALL_HEAD_SIZE + m.fileset.size() + m.path.size() + m.data.size());
  std::uint8_t* p = out.data();
  put_le<std::uint32_t>(p + UP_OFF(magic), IZO_UPCALL_MAGIC);
  put_le<std::uint32_t>(p + UP_OFF(len), static_cast<std::uint32_t>(out.size()));
  put_le<std::uint16_t>(p + UP_OFF(format), IZO_UPCALL_FORMAT_V1);
  put_le<std::uint16_t>(p + UP_OFF(kind), static_cast<std::uint16_t>(m.kind));
  put_le<std::uint32_t>(p + UP_OFF(status), m.status);
  put_le<std::uint64_t>(p + UP_OFF(id), m.id);
  put_le<std::uint64_t>(p + UP_OFF(recno), m.recno);
  put_le<std::uint64_t>(p + UP_OFF(version), m.version.host);
  put_le<std::uint64_t>(p + UP_OFF(version) + 8, m.version.seq);
  put_le<std::uint32_t>(p + UP_OFF(pid), m.pid);
  put_le<std::uint16_t>(p + UP_OFF(fileset_len), static_cast<std::uint16_t>(m.fileset.size()));
  put_le<std::uint16_t>(p + UP_OFF(path_len), static_cast<std::uint16_t>(m.path.size()));
  put_le<std::uint32_t>(p + UP_OFF(data_len), static_cast<std::uint32_t>(m.data.size()));
  std::copy(m.fileset.begin(), m.fileset.end(), p + IZO_UPCALL_HEAD_SIZE);
  std::copy(m.path.begin(), m.path.end(), p + IZO_UPCALL_HEAD_SIZE + m.fileset.size());
  std::copy(m.data.begin(), m.data.end(), p + IZO_UPCALL_HEAD_SIZE + m.fileset.size() + m.path.size());
  return out;
}

Result<std::optional<std::size_t>> frame_length(std::span<const std::uint8_t> prefix) {
  if (prefix.size() < 8) return std::optional<std::size_t>{};
  if (get_le<std::uint32_t>(prefix.data()) != IZO_UPCALL_MAGIC) return fail("bad magic", 0);
  const std::size_t len = get_le<std::uint32_t>(prefix.data() + UP_OFF(len));
  if (len < IZO_UPCALL_HEAD_SIZE || len > kMaxLen)
    return fail("length " + std::to_string(len) + " outside " + std::to_string(IZO_UPCALL_HEAD_SIZE) +
                    ".." + std::to_string(kMaxLen),
                UP_OFF(len));
  return std::optional<std::size_t>{len};
}

Result<Message> decode(std::span<const std::uint8_t> b) {
  if (b.size() < IZO_UPCALL_HEAD_SIZE)
    return fail("message of " + std::to_string(b.size()) + " bytes is shorter than its 64-byte head", b.size());
  auto len = frame_length(b);
  if (!len) return len.error();
  const std::uint8_t* p = b.data();
  if (**len != b.size())
    return fail("length " + std::to_string(**len) + " but " + std::to_string(b.size()) + " bytes", UP_OFF(len));
  const auto format = get_le<std::uint16_t>(p + UP_OFF(format));
  if (format != IZO_UPCALL_FORMAT_V1) return fail("unknown format " + std::to_string(format), UP_OFF(format));
  if (get_le<std::uint32_t>(p + UP_OFF(reserved)) != 0) return fail("reserved field is not zero", UP_OFF(reserved));
  const std::size_t fileset_len = get_le<std::uint16_t>(p + UP_OFF(fileset_len));
  const std::size_t path_len = get_le<std::uint16_t>(p + UP_OFF(path_len));
  const std::size_t data_len = get_le<std::uint32_t>(p + UP_OFF(data_len));
  if (IZO_UPCALL_HEAD_SIZE + fileset_len + path_len + data_len != b.size())
    return fail("fileset, path and data lengths do not add up to the message length", UP_OFF(fileset_len));
  Message m;
  m.kind = static_cast<Kind>(get_le<std::uint16_t>(p + UP_OFF(kind)));
  m.status = get_le<std::uint32_t>(p + UP_OFF(status));
  m.id = get_le<std::uint64_t>(p + UP_OFF(id));
  m.recno = get_le<std::uint64_t>(p + UP_OFF(recno));
  m.version = Version{get_le<std::uint64_t>(p + UP_OFF(version)), get_le<std::uint64_t>(p + UP_OFF(version) + 8)};
  m.pid = get_le<std::uint32_t>(p + UP_OFF(pid));
  const char* names = reinterpret_cast<const char*>(p + IZO_UPCALL_HEAD_SIZE);
  m.fileset.assign(names, fileset_len);
  m.path.assign(names + fileset_len, path_len);
  const std::uint8_t* data = p + IZO_UPCALL_HEAD_SIZE + fileset_len + path_len;
  m.data.assign(data, data + data_len);
  if (auto bad = check(m)) return *bad;
  return m;
}

}  // namespace izo::upcall
