#include "print/record_print.hpp"

#include <cstdio>
#include <ctime>

#include "util/hex.hpp"

namespace izo::replay {
namespace {

std::string octal(std::uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0%o", v);
  return buf;
}

std::string change(const Version& a, const Version& b) {
  return to_string(a) + "->" + to_string(b);
}

void attrs_text(const kml::Attrs& a, std::string& out) {
  if (a.valid & IZO_ATTR_MODE) out += " mode=" + octal(a.mode);
  if (a.valid & IZO_ATTR_UID) out += " uid=" + std::to_string(a.uid);
  if (a.valid & IZO_ATTR_GID) out += " gid=" + std::to_string(a.gid);
  if (a.valid & IZO_ATTR_SIZE) out += " size=" + std::to_string(a.size);
  if (a.valid & IZO_ATTR_ATIME) out += " atime=" + iso_time(a.atime_ns);
  if (a.valid & IZO_ATTR_MTIME) out += " mtime=" + iso_time(a.mtime_ns);
}

}  // namespace

std::string c_quoted(std::string_view s) {
  std::string out = "\"";
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c >= 0x20 && c < 0x7F) {
      out += static_cast<char>(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    }
  }
  return out + "\"";
}

std::string iso_time(std::int64_t ns) {
  std::int64_t sec = ns / 1'000'000'000;
  std::int64_t frac = ns % 1'000'000'000;
  if (frac < 0) {
    frac += 1'000'000'000;
    --sec;
  }
  const auto t = static_cast<std::time_t>(sec);
  std::tm tm{};
  if (::gmtime_r(&t, &tm) == nullptr) return std::to_string(ns) + "ns";
  char buf[64];
  const auto n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(buf + n, sizeof buf - n, ".%09lldZ", static_cast<long long>(frac));
  return buf;
}

std::string record_text(const kml::Record& r, std::size_t offset) {
  std::string out = record_text(r);
  out.insert(out.find(' '), " @" + std::to_string(offset));
  return out;
}

std::string record_text(const kml::Record& r) {
  using kml::Op;
  std::string out = "#" + std::to_string(r.recno) + " " + std::string(kml::op_name(r.op));
  out += " path=" + c_quoted(r.path);
  switch (r.op) {
    case Op::rename:
    case Op::link: out += " to=" + c_quoted(r.path2); break;
    case Op::symlink: out += " target=" + c_quoted(r.path2); break;
    case Op::setxattr:
      out += " name=" + c_quoted(r.path2) + " value=" + c_quoted(r.data);
      if (r.flags & IZO_KML_FLAG_XATTR_CREATE) out += " create";
      if (r.flags & IZO_KML_FLAG_XATTR_REPLACE) out += " replace";
      break;
    case Op::delxattr: out += " name=" + c_quoted(r.path2); break;
    default: break;
  }
  switch (r.op) {
    case Op::create:
    case Op::mkdir:
    case Op::symlink: out += " mode=" + octal(r.attrs.mode); break;
    case Op::mknod: out += " mode=" + octal(r.attrs.mode) + " rdev=" + std::to_string(r.attrs.rdev); break;
    case Op::setattr:
    case Op::close: attrs_text(r.attrs, out); break;
    default: break;
  }
  out += " obj=" + change(r.obj_old, r.obj_new);
  out += " parent=" + change(r.parent_old, r.parent_new);
  if (r.op == Op::rename || r.op == Op::link)
    out += " tparent=" + change(r.tparent_old, r.tparent_new);
  if (r.op == Op::rename && r.target_old.exists()) out += " replaced=" + to_string(r.target_old);
  out += " origin=" + std::to_string(r.origin) + "#" + std::to_string(r.origin_recno);
  out += " by=" + std::to_string(r.writer.pid) + "/" + std::to_string(r.writer.uid) + ":" +
         std::to_string(r.writer.gid);
  out += " at=" + iso_time(r.time_ns);
  return out;
}

nlohmann::json record_json(const kml::Record& r, std::size_t offset) {
  auto v = [](const Version& x) { return nlohmann::json{{"host", x.host}, {"seq", x.seq}}; };
  return nlohmann::json{
      {"recno", r.recno},
      {"offset", offset},
      {"op", kml::op_name(r.op)},
      {"flags", r.flags},
      {"writer", {{"pid", r.writer.pid}, {"uid", r.writer.uid}, {"gid", r.writer.gid}}},
      {"time_ns", r.time_ns},
      {"origin", r.origin},
      {"origin_recno", r.origin_recno},
      {"path", r.path},
      {"path2", r.path2},
      {"data_hex", to_hex(r.data)},
      {"versions",
       {{"obj_old", v(r.obj_old)},
        {"obj_new", v(r.obj_new)},
        {"parent_old", v(r.parent_old)},
        {"parent_new", v(r.parent_new)},
        {"tparent_old", v(r.tparent_old)},
        {"tparent_new", v(r.tparent_new)},
        {"target_old", v(r.target_old)}}},
      {"attrs",
       {{"valid", r.attrs.valid},
        {"mode", r.attrs.mode},
        {"uid", r.attrs.uid},
        {"gid", r.attrs.gid},
        {"size", r.attrs.size},
        {"atime_ns", r.attrs.atime_ns},
        {"mtime_ns", r.attrs.mtime_ns},
        {"rdev", r.attrs.rdev}}},
  };
}

}  // namespace izo::replay
