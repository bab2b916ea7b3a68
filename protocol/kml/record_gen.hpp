// RapidCheck generators of valid KML records (test-only header).
#pragma once

#include <rapidcheck.h>

#include <string>

#include "kml/record.hpp"

namespace izo::kml::testing {

inline rc::Gen<std::string> gen_name() {
  return rc::gen::exec([] {
    const auto n = *rc::gen::inRange<std::size_t>(1, 12);
    auto s = *rc::gen::container<std::string>(n, rc::gen::elementOf(std::string("abcXYZ019._-~ ")));
    if (s == "." || s == "..") s += "x";
    return s;
  });
}

inline rc::Gen<std::string> gen_path() {
  return rc::gen::exec([] {
    const auto n = *rc::gen::inRange<std::size_t>(1, 5);
    std::string p;
    for (std::size_t i = 0; i < n; ++i) p += (i ? "/" : "") + *gen_name();
    if (p.rfind(".intermezzo", 0) == 0) p = "x" + p;
    return p;
  });
}

inline rc::Gen<Version> gen_version() {
  return rc::gen::build<Version>(rc::gen::set(&Version::host), rc::gen::set(&Version::seq));
}

inline rc::Gen<Record> gen_record() {
  return rc::gen::exec([] {
    Record r;
    r.recno = *rc::gen::inRange<std::uint64_t>(1, 1'000'000'000);
    r.op = static_cast<Op>(*rc::gen::inRange<std::uint16_t>(0, kOpCount));
    r.writer = {*rc::gen::arbitrary<std::uint32_t>(), *rc::gen::arbitrary<std::uint32_t>(),
                *rc::gen::arbitrary<std::uint32_t>()};
    r.time_ns = *rc::gen::arbitrary<std::int64_t>();
    r.origin = *rc::gen::arbitrary<std::uint64_t>();
    r.origin_recno = *rc::gen::arbitrary<std::uint64_t>();
    for (Version* v : {&r.obj_old, &r.obj_new, &r.parent_old, &r.parent_new, &r.tparent_old,
                       &r.tparent_new, &r.target_old})
      *v = *gen_version();
    r.attrs.valid = *rc::gen::inRange<std::uint32_t>(0, IZO_ATTR_ALL + 1);
    r.attrs.mode = *rc::gen::arbitrary<std::uint32_t>();
    r.attrs.uid = *rc::gen::arbitrary<std::uint32_t>();
    r.attrs.gid = *rc::gen::arbitrary<std::uint32_t>();
    r.attrs.size = *rc::gen::arbitrary<std::uint64_t>();
    r.attrs.atime_ns = *rc::gen::arbitrary<std::int64_t>();
    r.attrs.mtime_ns = *rc::gen::arbitrary<std::int64_t>();
    r.attrs.rdev = *rc::gen::arbitrary<std::uint64_t>();
    const bool root_ok = r.op == Op::noop || r.op == Op::setattr || r.op == Op::setxattr ||
                         r.op == Op::delxattr;
    r.path = (root_ok && *rc::gen::arbitrary<bool>()) ? std::string() : *gen_path();
    switch (r.op) {
      case Op::rename:
      case Op::link: r.path2 = *gen_path(); break;
      case Op::symlink:
        r.path2 = *rc::gen::nonEmpty(rc::gen::container<std::string>(
            rc::gen::inRange<char>(1, 127)));
        break;
      case Op::setxattr:
        r.flags = *rc::gen::inRange<std::uint32_t>(0, IZO_KML_FLAG_ALL + 1);
        r.data = *rc::gen::arbitrary<std::string>();
        [[fallthrough]];
      case Op::delxattr: r.path2 = "user." + *gen_name(); break;
      default: break;
    }
    return r;
  });
}

}  // namespace izo::kml::testing
