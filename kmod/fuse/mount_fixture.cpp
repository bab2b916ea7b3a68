#include "mount_fixture.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "kml/scan.hpp"
#include "posix/kml_file.hpp"

namespace izo::presto::testing {
namespace {

using namespace std::chrono_literals;

bool mounted(const std::filesystem::path& mnt) {
  struct stat here {}, parent {};
  if (::stat(mnt.c_str(), &here) != 0 || ::stat(mnt.parent_path().c_str(), &parent) != 0) return false;
  return here.st_dev != parent.st_dev;
}

void detach(const std::filesystem::path& mnt) {
  const std::string cmd = "fusermount3 -u -z '" + mnt.string() + "' 2>/dev/null";
  if (std::system(cmd.c_str()) != 0) {
    // Already gone: nothing to do.
  }
}

}  // namespace

std::optional<std::string> fuse_unavailable() {
  if (::access("/dev/fuse", R_OK | W_OK) != 0) return "no usable /dev/fuse";
  if (::geteuid() != 0) return "not root (the filter stamps trusted.* attributes)";
  if (std::system("command -v fusermount3 >/dev/null") != 0) return "no fusermount3";
  return std::nullopt;
}

Mount::Mount(std::vector<std::string> extra_args, bool with_lento) : extra_(std::move(extra_args)), lento_(with_lento) {
  holding_ = dir_.path() / "holding";
  mnt_ = dir_.path() / "mnt";
  log_ = dir_.path() / "presto-fuse.log";
  std::filesystem::create_directories(holding_);
  std::filesystem::create_directories(mnt_);
  // Other users reach the mount too (mkdtemp made the folder 0700).
  std::filesystem::permissions(dir_.path(), std::filesystem::perms(0755));
  start();
}

Mount::~Mount() {
  if (pid_ > 0) kill9();
}

void Mount::start() {
  std::vector<std::string> args{PRESTO_FUSE_BIN, holding_.string(), mnt_.string(), "--fileset", "shared",
                                "--host-id", "7"};
  args.push_back(lento_ ? "--permit-wait=10" : "--no-lento");
  args.insert(args.end(), extra_.begin(), extra_.end());
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    const int fd = ::open(log_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) ::dup2(fd, 2);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  const auto give_up = std::chrono::steady_clock::now() + 10s;
  while (!mounted(mnt_)) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("presto-fuse exited before mounting: " + log());
    }
    if (std::chrono::steady_clock::now() > give_up) {
      kill9();
      throw std::runtime_error("presto-fuse did not mount within 10 s: " + log());
    }
    std::this_thread::sleep_for(5ms);
  }
}

int Mount::stop() {
  if (pid_ <= 0) return -1;
  ::kill(pid_, SIGTERM);
  const auto give_up = std::chrono::steady_clock::now() + 10s;
  int status = 0;
  while (::waitpid(pid_, &status, WNOHANG) != pid_) {
    if (std::chrono::steady_clock::now() > give_up) {
      kill9();
      throw std::runtime_error("presto-fuse did not stop within 10 s: " + log());
    }
    std::this_thread::sleep_for(5ms);
  }
  pid_ = -1;
  if (mounted(mnt_)) detach(mnt_);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

void Mount::kill9() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
  detach(mnt_);
}

std::vector<kml::Record> Mount::records(kml::Tail* tail) const {
  auto file = posix::MappedFile::open(kml());
  if (!file) throw std::runtime_error(file.error().message);
  std::vector<kml::Record> out;
  const auto report = kml::scan_forward(file->bytes(), [&](const kml::Frame& f) {
    auto r = kml::decode(f.bytes);
    if (!r) throw std::runtime_error("record " + std::to_string(f.recno) + ": " + r.error().message);
    out.push_back(std::move(*r));
    return true;
  });
  if (tail)
    *tail = report.tail;
  else if (report.tail != kml::Tail::clean)
    throw std::runtime_error("KML tail is " + std::string(kml::tail_name(report.tail)));
  return out;
}

std::string Mount::log() const {
  std::ifstream in(log_);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace izo::presto::testing
