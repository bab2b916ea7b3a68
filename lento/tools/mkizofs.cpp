// mkizofs: makes a fileset's metadata in a holding directory, as the HOWTO's
// mkizofs did for a cache filesystem: HOLDING/.intermezzo/FILESET/{kml,last_rcvd}.
#include <fcntl.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "util/fileset_path.hpp"
#include "wire/codec.hpp"

int main(int argc, char** argv) {
  CLI::App app{"mkizofs: makes the metadata of fileset FILESET in the holding directory HOLDING\n"
               "(HOLDING/.intermezzo/FILESET/kml and last_rcvd, both empty). An existing fileset is left alone."};
  std::string fileset, holding;
  bool verbose = false;
  app.add_option("fileset", fileset, "the fileset's name")->required();
  app.add_option("holding", holding, "the directory Presto will wrap (made if absent)")->required();
  app.add_flag("-v,--verbose", verbose, "say what was made");
  CLI11_PARSE(app, argc, argv);
  if (auto why = izo::wire::name_problem(fileset)) {
    std::fprintf(stderr, "mkizofs: fileset name '%s': %s\n", fileset.c_str(), std::string(*why).c_str());
    return 64;
  }
  namespace fs = std::filesystem;
  const fs::path meta = fs::path(holding) / izo::kMetadataDir / fileset;
  std::error_code ec;
  fs::create_directories(meta, ec);
  if (ec) {
    std::fprintf(stderr, "mkizofs: cannot make %s: %s\n", meta.c_str(), ec.message().c_str());
    return 1;
  }
  for (const char* name : {"kml", "last_rcvd"}) {
    const fs::path p = meta / name;
    const int fd = ::open(p.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0 && errno == EEXIST) {
      if (verbose) std::printf("mkizofs: %s exists, left alone\n", p.c_str());
      continue;
    }
    if (fd < 0 || ::fsync(fd) != 0) {
      std::fprintf(stderr, "mkizofs: cannot make %s: %s\n", p.c_str(), std::strerror(errno));
      return 1;
    }
    ::close(fd);
    if (verbose) std::printf("mkizofs: made %s\n", p.c_str());
  }
  return 0;
}
