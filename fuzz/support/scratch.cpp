#include "support/scratch.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <system_error>

#include "support/check.hpp"

namespace izo::fuzz {

Scratch::Scratch(const std::string& name) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path base = "/dev/shm";
  if (!fs::is_directory(base, ec) || ::access(base.c_str(), W_OK) != 0) {
    const char* tmp = std::getenv("TMPDIR");
    base = tmp && *tmp ? tmp : "/tmp";
  }
  path_ = base / ("izo-fuzz-" + name + "-" + std::to_string(::getpid()));
  fs::remove_all(path_, ec);
  fs::create_directories(path_, ec);
  IZO_FUZZ_REQUIRE(!ec, "cannot make the scratch folder " + path_.string() + ": " + ec.message());
}

Scratch::~Scratch() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

void write_file(const std::filesystem::path& path, const std::uint8_t* data, std::size_t size) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  IZO_FUZZ_REQUIRE(fd >= 0, "cannot create " + path.string());
  const bool written = size == 0 || ::write(fd, data, size) == static_cast<ssize_t>(size);
  ::close(fd);
  IZO_FUZZ_REQUIRE(written, "cannot write " + path.string());
}

}  // namespace izo::fuzz
