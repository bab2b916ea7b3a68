#include "posix/kml_file.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <system_error>

#include "posix/write_all.hpp"

namespace izo::posix {
namespace {

std::string errno_text(int err) { return std::strerror(err); }

[[noreturn]] void throw_io(int err, const std::string& what, const std::filesystem::path& p) {
  throw std::system_error(err, std::generic_category(), what + " " + p.string());
}

}  // namespace

std::int64_t steady_now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

Result<KmlFile> KmlFile::open(const std::filesystem::path& path, KmlFileOptions options,
                              KmlOpenReport* report) {
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return Error{"cannot open " + path.string() + ": " + errno_text(errno)};
  auto fail = [&](std::string message, std::size_t offset = 0) {
    ::close(fd);
    return Error{path.string() + ": " + std::move(message), offset};
  };
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0)
    return fail(errno == EWOULDBLOCK ? "in use by another process (locked)"
                                     : "cannot lock: " + errno_text(errno));
  KmlOpenReport local;
  KmlOpenReport& rep = report ? *report : local;
  {
    auto mapped = MappedFile::open(path);
    if (!mapped) return fail(mapped.error().message);
    rep.scan = kml::scan_forward(mapped->bytes());
    if (!rep.scan.looks_like_kml)
      return fail("not a KML file (" + rep.scan.problem->message + " at offset 0)");
    if (rep.scan.tail == kml::Tail::corrupt)
      return fail("corrupt at offset " + std::to_string(rep.scan.problem->offset) + ": " +
                      rep.scan.problem->message + "; a good record follows at offset " +
                      std::to_string(rep.scan.resync_offset) +
                      ", so this is not a torn append: refusing to cut it (inspect with "
                      "kmldump --check)",
                  rep.scan.problem->offset);
    rep.cut_bytes = mapped->bytes().size() - rep.scan.good_end;
  }
  if (rep.cut_bytes > 0 &&
      ::ftruncate(fd, static_cast<off_t>(rep.scan.good_end)) != 0)
    return fail("cannot cut the torn tail: " + errno_text(errno));
  // Whatever survived in the page cache from an earlier run is made durable
  // now, so durable_recno() starts true.
  if (::fdatasync(fd) != 0) return fail("fdatasync: " + errno_text(errno));
  return KmlFile(path, fd, options, rep.scan.last_recno, rep.scan.good_end);
}

KmlFile::KmlFile(std::filesystem::path path, int fd, KmlFileOptions options,
                 std::uint64_t last_recno, std::uint64_t size)
    : path_(std::move(path)), fd_(fd), options_(options), commit_(options.sync, last_recno),
      written_(size) {}

KmlFile::KmlFile(KmlFile&& o) noexcept
    : path_(std::move(o.path_)), fd_(std::exchange(o.fd_, -1)), options_(o.options_),
      commit_(o.commit_), written_(o.written_), buffer_(std::move(o.buffer_)) {}

KmlFile& KmlFile::operator=(KmlFile&& o) noexcept {
  if (this != &o) {
    KmlFile old(std::move(*this));  // closes the file this one had
    path_ = std::move(o.path_);
    fd_ = std::exchange(o.fd_, -1);
    options_ = o.options_;
    commit_ = o.commit_;
    written_ = o.written_;
    buffer_ = std::move(o.buffer_);
  }
  return *this;
}

KmlFile::~KmlFile() {
  if (fd_ < 0) return;
  try {
    write_buffer();
  } catch (const std::exception&) {
    // Not acknowledged as durable, so nothing promised is lost.
  }
  ::close(fd_);
}

std::uint64_t KmlFile::append(kml::Record r) {
  // Record numbers never wrap: after 2^64-1 the log is full (found by fuzz/kml_scan).
  if (commit_.appended_recno() == std::numeric_limits<std::uint64_t>::max())
    throw std::length_error(path_.string() + ": record numbers are used up (the last is 2^64-1)");
  r.recno = commit_.appended_recno() + 1;
  auto n = kml::encode(r, buffer_);
  if (!n) throw std::invalid_argument(path_.string() + ": record refused: " + n.error().message);
  const auto now = steady_now_ns();
  commit_.appended(r.recno, *n, now);
  if (buffer_.size() > options_.buffer_bytes) write_buffer();
  // Limits are the appender's to meet; time is the ticker's (tick()).
  if (commit_.over_limits()) sync();
  return r.recno;
}

void KmlFile::write_buffer() {
  if (const int err = pwrite_all(fd_, buffer_.data(), buffer_.size(), written_); err != 0) {
    // Leave no partial record behind: the log must end on a whole record.
    if (::ftruncate(fd_, static_cast<off_t>(written_)) != 0) { /* reported below */ }
    buffer_.clear();
    throw_io(err, "write to", path_);
  }
  written_ += buffer_.size();
  buffer_.clear();
}

void KmlFile::flush() { write_buffer(); }

void KmlFile::sync() {
  write_buffer();
  if (!commit_.pending()) return;
  const auto now = steady_now_ns();
  if (::fdatasync(fd_) != 0) throw_io(errno, "fdatasync", path_);
  commit_.synced(now);
}

std::optional<std::uint64_t> KmlFile::begin_sync() {
  write_buffer();
  if (!commit_.pending()) return std::nullopt;
  return commit_.sync_started(steady_now_ns());
}

int KmlFile::sync_data() const { return ::fdatasync(fd_) == 0 ? 0 : errno; }

void KmlFile::end_sync(std::uint64_t through) { commit_.synced_through(through); }

void KmlFile::tick() {
  if (commit_.sync_due(steady_now_ns())) sync();
}

Result<MappedFile> MappedFile::open(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Error{"cannot open " + path.string() + ": " + errno_text(errno)};
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const int err = errno;
    ::close(fd);
    return Error{"cannot stat " + path.string() + ": " + errno_text(err)};
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return Error{path.string() + " is not a regular file"};
  }
  const auto size = static_cast<std::size_t>(st.st_size);
  if (size == 0) {
    ::close(fd);
    return MappedFile(nullptr, 0);
  }
  void* p = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  const int err = errno;
  ::close(fd);
  if (p == MAP_FAILED) return Error{"cannot map " + path.string() + ": " + errno_text(err)};
  ::madvise(p, size, MADV_SEQUENTIAL);
  return MappedFile(static_cast<const std::uint8_t*>(p), size);
}

MappedFile::MappedFile(MappedFile&& o) noexcept
    : data_(std::exchange(o.data_, nullptr)), size_(std::exchange(o.size_, 0)) {}

MappedFile::~MappedFile() {
  if (data_) ::munmap(const_cast<std::uint8_t*>(data_), size_);
}

}  // namespace izo::posix
