// presto-fuse with Lento: the permit before updates, EROFS when refused or
// absent, revocation, fetch on open, Lento's own updates unjournaled. A fake
// Lento in the test process speaks the upcall protocol; ordinary processes
// are forked children.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <functional>
#include <fstream>

#include "kml/examples.hpp"
#include "lento_channel.hpp"
#include "mount_fixture.hpp"
#include "posix/object_attrs.hpp"
#include "upcall/message.hpp"

namespace izo::presto::testing {
namespace {

namespace fs = std::filesystem;
using upcall::Kind;
using upcall::Message;

class FakeLento {
 public:
  explicit FakeLento(const fs::path& socket) {
    fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, socket.c_str(), sizeof addr.sun_path - 1);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
      throw std::runtime_error("connect " + socket.string() + ": " + std::strerror(errno));
    send(Message{Kind::attach, 0, 0, 0, {}, 0, "shared", ""});
    auto reply = next();
    if (!reply || reply->kind != Kind::attached) throw std::runtime_error("no ATTACHED");
    attached_recno = reply->recno;
    attached_host = reply->version.host;
  }
  ~FakeLento() { ::close(fd_); }
  void send(const Message& m) {
    auto b = upcall::encode(m);
    if (!b) throw std::runtime_error(b.error().message);
    if (::write(fd_, b->data(), b->size()) != static_cast<ssize_t>(b->size())) throw std::runtime_error("write");
  }
  // The next message, waiting at most 5 s.
  std::optional<Message> next() {
    for (;;) {
      auto len = upcall::frame_length(in_);
      if (len.ok() && *len && in_.size() >= **len) {
        auto m = upcall::decode(std::span(in_).first(**len));
        in_.erase(in_.begin(), in_.begin() + static_cast<std::ptrdiff_t>(**len));
        if (!m) throw std::runtime_error(m.error().message);
        return *m;
      }
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 5000) <= 0) return std::nullopt;
      std::uint8_t buf[4096];
      const auto n = ::read(fd_, buf, sizeof buf);
      if (n <= 0) return std::nullopt;
      in_.insert(in_.end(), buf, buf + n);
    }
  }
  // The next message that is not a KML_WRITTEN notice.
  std::optional<Message> next_request() {
    for (;;) {
      auto m = next();
      if (!m || m->kind != Kind::kml_written) return m;
      last_written = m->recno;
    }
  }
  std::uint64_t attached_recno = 0;
  std::uint64_t attached_host = 0;
  std::uint64_t last_written = 0;

 private:
  int fd_ = -1;
  std::vector<std::uint8_t> in_;
};

// Runs `f` in a child process (not Lento); returns a handle to wait on.
pid_t spawn(const std::function<int()>& f) {
  const pid_t pid = ::fork();
  if (pid == 0) ::_exit(f());
  return pid;
}

int wait_exit(pid_t pid) {
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int mkdir_errno(const fs::path& p) { return ::mkdir(p.c_str(), 0755) == 0 ? 0 : errno; }

#define REQUIRE_FUSE() \
  if (auto why = fuse_unavailable()) GTEST_SKIP() << *why;

TEST(PrestoFuseLento, UpdateWaitsForThePermitAndIsJournaledOnceGranted) {
  REQUIRE_FUSE();
  Mount m({}, true);
  FakeLento lento(m.socket());
  const pid_t child = spawn([&] { return mkdir_errno(m.mnt() / "d"); });
  auto ask = lento.next_request();
  ASSERT_TRUE(ask);
  EXPECT_EQ(ask->kind, Kind::permit);
  EXPECT_EQ(ask->pid, static_cast<std::uint32_t>(child));
  EXPECT_FALSE(fs::exists(m.holding() / "d"));  // it waits
  lento.send(Message{Kind::permit_reply, 0, ask->id, 0, {}, 0, "shared", ""});
  EXPECT_EQ(wait_exit(child), 0);
  auto notice = lento.next();
  ASSERT_TRUE(notice);
  EXPECT_EQ(notice->kind, Kind::kml_written);
  EXPECT_EQ(notice->recno, 1u);
  // The permit stays: the next update does not ask again.
  EXPECT_EQ(wait_exit(spawn([&] { return mkdir_errno(m.mnt() / "e"); })), 0);
  ASSERT_EQ(m.stop(), 0) << m.log();
  ASSERT_EQ(m.records().size(), 2u);
}

TEST(PrestoFuseLento, RefusedPermitFailsTheUpdateWithErofs) {
  REQUIRE_FUSE();
  Mount m({}, true);
  FakeLento lento(m.socket());
  const pid_t child = spawn([&] { return mkdir_errno(m.mnt() / "d"); });
  auto ask = lento.next_request();
  ASSERT_TRUE(ask);
  lento.send(Message{Kind::permit_reply, EROFS, ask->id, 0, {}, 0, "shared", ""});
  EXPECT_EQ(wait_exit(child), EROFS);
  EXPECT_FALSE(fs::exists(m.holding() / "d"));
  ASSERT_EQ(m.stop(), 0);
  EXPECT_TRUE(m.records().empty());
}

TEST(PrestoFuseLento, UpdatesFailWithErofsWhileNoLentoIsAttached) {
  REQUIRE_FUSE();
  Mount m({}, true);
  EXPECT_EQ(wait_exit(spawn([&] { return mkdir_errno(m.mnt() / "d"); })), EROFS);
  struct stat st {};
  EXPECT_EQ(::stat(m.mnt().c_str(), &st), 0);  // reads go on
}

TEST(PrestoFuseLento, RevokedPermitIsReturnedAndTheNextUpdateAsksAgain) {
  REQUIRE_FUSE();
  Mount m({}, true);
  FakeLento lento(m.socket());
  const pid_t first = spawn([&] { return mkdir_errno(m.mnt() / "a"); });
  auto ask = lento.next_request();
  ASSERT_TRUE(ask);
  lento.send(Message{Kind::permit_reply, 0, ask->id, 0, {}, 0, "shared", ""});
  ASSERT_EQ(wait_exit(first), 0);
  lento.send(Message{Kind::revoke, 0, 0, 0, {}, 0, "shared", ""});
  auto returned = lento.next_request();
  ASSERT_TRUE(returned);
  EXPECT_EQ(returned->kind, Kind::permit_returned);
  const pid_t second = spawn([&] { return mkdir_errno(m.mnt() / "b"); });
  auto again = lento.next_request();
  ASSERT_TRUE(again);
  EXPECT_EQ(again->kind, Kind::permit);
  lento.send(Message{Kind::permit_reply, 0, again->id, 0, {}, 0, "shared", ""});
  EXPECT_EQ(wait_exit(second), 0);
}

TEST(PrestoFuseLento, LentosOwnUpdatesPassUnjournaledAndOnlyLentoSeesVersions) {
  REQUIRE_FUSE();
  Mount m({}, true);
  FakeLento lento(m.socket());
  const fs::path f = m.mnt() / "from-peer";
  std::ofstream(f) << "replicated";
  const char stamp[16] = {9, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0};
  ASSERT_EQ(::setxattr(f.c_str(), posix::kVersionXattr, stamp, 16, 0), 0) << std::strerror(errno);
  EXPECT_EQ(posix::read_version((m.holding() / "from-peer").string()), (Version{9, 4}));
  char buf[16];
  EXPECT_EQ(::getxattr(f.c_str(), posix::kVersionXattr, buf, sizeof buf), 16);
  // An ordinary process can neither see nor forge it.
  EXPECT_EQ(wait_exit(spawn([&] {
              char b[16];
              if (::getxattr(f.c_str(), posix::kVersionXattr, b, sizeof b) >= 0) return 1;
              return ::setxattr(f.c_str(), posix::kVersionXattr, stamp, 16, 0) == 0 ? 2 : (errno == EPERM ? 0 : 3);
            })),
            0);
  ASSERT_EQ(m.stop(), 0);
  EXPECT_TRUE(m.records().empty());
}

TEST(PrestoFuseLento, OpenOfMissingContentWaitsForLentosFetch) {
  REQUIRE_FUSE();
  Mount m({}, true);
  FakeLento lento(m.socket());
  const fs::path f = m.mnt() / "doc";
  std::ofstream(f) << "placeholder";
  const char stamp[16] = {3, 0, 0, 0, 0, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0};
  ASSERT_EQ(::setxattr(f.c_str(), posix::kVersionXattr, stamp, 16, 0), 0);
  ASSERT_EQ(::setxattr(f.c_str(), posix::kMissingXattr, "", 0, 0), 0);
  const pid_t reader = spawn([&] {
    std::ifstream in(f);
    const std::string got((std::istreambuf_iterator<char>(in)), {});
    return got == "fetched content" ? 0 : 1;
  });
  auto ask = lento.next_request();
  ASSERT_TRUE(ask);
  EXPECT_EQ(ask->kind, Kind::fetch);
  EXPECT_EQ(ask->path, "doc");
  EXPECT_EQ(ask->version, (Version{3, 8}));
  std::ofstream(f, std::ios::trunc) << "fetched content";
  ASSERT_EQ(::removexattr(f.c_str(), posix::kMissingXattr), 0);
  lento.send(Message{Kind::fetch_reply, 0, ask->id, 0, {}, 0, "shared", ""});
  EXPECT_EQ(wait_exit(reader), 0);
}

TEST(PrestoFuseLento, OnlyRootMayAttach) {
  REQUIRE_FUSE();
  Mount m({}, true);
  const fs::path socket = m.socket();
  EXPECT_EQ(wait_exit(spawn([&] {
              if (::setresgid(1000, 1000, 1000) != 0 || ::setresuid(1000, 1000, 1000) != 0) return 10;
              try {
                FakeLento impostor(socket);
                return 1;
              } catch (const std::exception&) {
                return 0;
              }
            })),
            0);
}


// Lento journals through the filter (the filter stays the KML's only
// writer): a peer's record keeps its origin, an own record is numbered here,
// SYNC reports the durable end, and ATTACHED told Lento the host id.
TEST(PrestoFuseLento, JournalAppendsLentosRecordsAndSyncReportsTheDurableEnd) {
  REQUIRE_FUSE();
  Mount m({}, true);  // host id 7
  FakeLento lento(m.socket());
  EXPECT_EQ(lento.attached_host, 7u);
  auto records = kml::example_records();
  kml::Record peer = records[2];  // a mkdir
  ASSERT_EQ(peer.op, kml::Op::mkdir);
  peer.origin = 77;
  peer.origin_recno = 12;
  std::vector<std::uint8_t> bytes;
  ASSERT_TRUE(kml::encode(peer, bytes).ok());
  lento.send(Message{Kind::journal, 0, 41, 0, {}, 0, "shared", "", bytes});
  auto reply = lento.next_request();
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->kind, Kind::journaled);
  EXPECT_EQ(reply->id, 41u);
  EXPECT_EQ(reply->status, 0u);
  EXPECT_EQ(reply->recno, 1u);

  kml::Record own = records[2];
  own.origin = 0;
  own.origin_recno = 0;
  bytes.clear();
  ASSERT_TRUE(kml::encode(own, bytes).ok());
  lento.send(Message{Kind::journal, 0, 42, 0, {}, 0, "shared", "", bytes});
  reply = lento.next_request();
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->recno, 2u);

  lento.send(Message{Kind::sync, 0, 43, 0, {}, 0, "shared", ""});
  reply = lento.next_request();
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->kind, Kind::journaled);
  EXPECT_EQ(reply->id, 43u);
  EXPECT_EQ(reply->recno, 2u);

  // A record that does not decode is refused, and the channel goes on.
  lento.send(Message{Kind::journal, 0, 44, 0, {}, 0, "shared", "", {1, 2, 3}});
  reply = lento.next_request();
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->status, static_cast<std::uint32_t>(EINVAL));

  ASSERT_EQ(m.stop(), 0) << m.log();
  const auto kml = m.records();
  ASSERT_EQ(kml.size(), 2u);
  EXPECT_EQ(kml[0].origin, 77u);
  EXPECT_EQ(kml[0].origin_recno, 12u);
  EXPECT_EQ(kml[1].origin, 7u);
  EXPECT_EQ(kml[1].origin_recno, 2u);
}

// Lento pipelines its JOURNAL requests and applies a record once its request
// is written, so a filter told to stop must still journal every request in
// its channel. Here the first append is slow: the stop comes while the
// channel holds the rest.
TEST(PrestoFuseLento, ChannelStoppedWhileRequestsWaitJournalsThemAll) {
  if (::geteuid() != 0) GTEST_SKIP() << "only root may attach";
  posix::TempDir dir("presto-channel-test");
  std::mutex mu;
  std::vector<kml::Record> journaled;
  LentoChannel::JournalHooks hooks;
  hooks.sync = [&] {
    std::lock_guard lock(mu);
    return static_cast<std::uint64_t>(journaled.size());
  };
  hooks.append = [&](kml::Record r) -> Result<std::uint64_t> {
    std::unique_lock lock(mu);
    if (journaled.empty()) {
      lock.unlock();
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
      lock.lock();
    }
    journaled.push_back(std::move(r));
    return journaled.size();
  };
  LentoChannel::Options options;
  options.socket = dir.path() / "presto.sock";
  options.fileset = "shared";
  options.host = 7;
  auto channel = LentoChannel::listen(options, std::move(hooks));
  ASSERT_TRUE(channel) << channel.error().message;
  FakeLento lento(dir.path() / "presto.sock");
  // Lento's window (FilterJournal::kInFlight): few enough that the channel
  // holds them all without blocking this sender.
  constexpr std::uint64_t n = 64;
  for (std::uint64_t i = 1; i <= n; ++i) {
    auto r = kml::example_records()[2];
    r.origin = 77;
    r.origin_recno = i;
    std::vector<std::uint8_t> bytes;
    ASSERT_TRUE(kml::encode(r, bytes).ok());
    lento.send(Message{Kind::journal, 0, i, 0, {}, 0, "shared", "", bytes});
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // the first append has begun
  channel->reset();                                             // stops and joins the channel's thread
  std::lock_guard lock(mu);
  ASSERT_EQ(journaled.size(), n);
  for (std::uint64_t i = 1; i <= n; ++i) EXPECT_EQ(journaled[i - 1].origin_recno, i);
}

}  // namespace
}  // namespace izo::presto::testing
