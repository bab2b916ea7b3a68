// Record application in a scratch folder: the input is a KML, replayed by
// kmlreplay's path (the version rule, then PosixStore) into a fileset whose
// tree already holds the traps a hostile log would aim at (symlinks out of the
// fileset, relative and absolute), with the "writer's tree" for backfetched
// content pointed outside too. Then every record is forced onto the tree
// without the version rule, and copied, as conflict handling does. Whatever
// the records say, nothing outside the fileset changes (names, types, modes,
// owners, sizes, contents, link targets, xattrs, ctimes), and a second replay
// of the same KML applies nothing.
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "kml/scan.hpp"
#include "kmlreplay/kmlreplay.hpp"
#include "posix/posix_store.hpp"
#include "support/check.hpp"
#include "support/entry.hpp"
#include "support/scratch.hpp"

#ifdef IZO_LIBFUZZER
#include "support/fixup.hpp"
#include "support/mutate.hpp"

IZO_FUZZ_REPAIRING_MUTATOR(fix_kml_log)
#endif

namespace {

namespace fs = std::filesystem;
using namespace izo;

void plant(const fs::path& p, const std::string& content) {
  fuzz::write_file(p, reinterpret_cast<const std::uint8_t*>(content.data()), content.size());
}

// Names under `root`, not following symlinks.
std::size_t count_names(const fs::path& root) {
  std::size_t n = 0;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(root, fs::directory_options::none, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec))
    ++n;
  return n;
}

// Everything observable about the tree at `root`, one line per object.
std::map<std::string, std::string> snapshot(const fs::path& root) {
  std::map<std::string, std::string> out;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(root, fs::directory_options::none, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    const auto& p = it->path();
    struct stat st {};
    if (::lstat(p.c_str(), &st) != 0) continue;
    std::string line = std::to_string(st.st_mode) + " " + std::to_string(st.st_uid) + ":" + std::to_string(st.st_gid) +
                       " " + std::to_string(st.st_size) + " " + std::to_string(st.st_nlink) + " ctime " +
                       std::to_string(st.st_ctim.tv_sec) + "." + std::to_string(st.st_ctim.tv_nsec);
    if (S_ISLNK(st.st_mode)) {
      line += " -> " + fs::read_symlink(p, ec).string();
    } else if (S_ISREG(st.st_mode)) {
      // The first KiB (the files planted outside are smaller; a change of
      // size shows in st_size whatever it is).
      std::ifstream in(p, std::ios::binary);
      std::string head(1024, '\0');
      in.read(head.data(), static_cast<std::streamsize>(head.size()));
      head.resize(static_cast<std::size_t>(in.gcount()));
      line += " " + head;
    }
    char names[4096];
    const auto n = ::llistxattr(p.c_str(), names, sizeof names);
    if (n > 0) line += " xattrs " + std::string(names, static_cast<std::size_t>(n));
    out[fs::relative(p, root).string()] = line;
  }
  return out;
}

std::vector<kml::Record> records_of(std::span<const std::uint8_t> log) {
  std::vector<kml::Record> out;
  kml::scan_forward(log, [&](const kml::Frame& f) {
    if (auto r = kml::decode(f.bytes)) out.push_back(std::move(*r));
    return true;
  });
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const fuzz::Scratch scratch("record_apply");
  const fs::path top = scratch.path();
  const fs::path outside = top / "outside";
  const fs::path fileset = top / "fileset";
  const fs::path kml = top / "kml";

  // A fresh world: the outside with something worth stealing or breaking, the
  // fileset with ways out.
  std::error_code ec;
  fs::remove_all(fileset, ec);
  fs::remove_all(outside, ec);
  fs::create_directories(outside / "sub");
  plant(outside / "secret", "outside the fileset");
  plant(outside / "sub" / "f", "also outside");
  fs::create_directories(fileset / "d");
  plant(fileset / "f", "inside");
  fs::create_directory_symlink("../outside", fileset / "escape");
  fs::create_directory_symlink(outside, fileset / "abs");
  fs::create_symlink(outside / "secret", fileset / "d" / "secret");
  fuzz::write_file(kml, data, size);
  const auto before = snapshot(outside);
  const auto top_before = count_names(top) - count_names(fileset);

  auto store = posix::PosixStore::open(fileset);
  IZO_FUZZ_REQUIRE(store.ok(), "cannot open the scratch fileset");
  replay::ReplayOptions options;
  options.data_from = outside;  // a backfetch source must not become a way to write there
  const auto first = replay::replay(kml, **store, options);
  IZO_FUZZ_REQUIRE(first.ok(), "replay could not read the KML");
  IZO_FUZZ_REQUIRE(snapshot(outside) == before, "replaying a KML changed something outside the fileset");

  const auto second = replay::replay(kml, **store, options);
  IZO_FUZZ_REQUIRE(second.ok(), "the second replay could not read the KML");
  IZO_FUZZ_REQUIRE(second->count(replay::Outcome::applied) == 0 && second->count(replay::Outcome::merged) == 0,
                   "replaying the same KML twice applied something the second time");

  // The hostile path: no version rule at all.
  for (const auto& r : records_of(std::span(data, size))) {
    (void)(*store)->force(r);
    if (!r.path2.empty()) (void)(*store)->copy(r.path, r.path2);
    (void)(*store)->lookup(r.path);
  }
  (*store)->sync();
  IZO_FUZZ_REQUIRE(snapshot(outside) == before, "forcing records changed something outside the fileset");
  IZO_FUZZ_REQUIRE(count_names(top) - count_names(fileset) == top_before,
                   "something appeared beside the fileset");
  return 0;
}
