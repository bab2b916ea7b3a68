#include "lento_channel.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>

#include "posix/send_all.hpp"
#include "upcall/message.hpp"

namespace izo::presto {
namespace {

using upcall::Kind;
using upcall::Message;

void say(const std::string& line) { std::fprintf(stderr, "presto-fuse: %s\n", line.c_str()); }

// The process (thread group) a thread belongs to.
pid_t tgid_of(pid_t tid) {
  std::ifstream status("/proc/" + std::to_string(tid) + "/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("Tgid:", 0) == 0) return static_cast<pid_t>(std::stol(line.substr(5)));
  return 0;
}

}  // namespace

Result<std::unique_ptr<LentoChannel>> LentoChannel::listen(Options o, JournalHooks hooks) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  const std::string path = o.socket.string();
  if (path.size() >= sizeof addr.sun_path)
    return Error{"socket path " + path + " is longer than " + std::to_string(sizeof addr.sun_path - 1) + " bytes", 0};
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Error{"socket: " + std::string(std::strerror(errno)), 0};
  ::unlink(path.c_str());  // a stale socket of an earlier run
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0 || ::chmod(path.c_str(), 0600) != 0 ||
      ::listen(fd, 4) != 0) {
    const int e = errno;
    ::close(fd);
    return Error{"cannot listen on " + path + ": " + std::strerror(e), 0};
  }
  return std::unique_ptr<LentoChannel>(new LentoChannel(std::move(o), fd, std::move(hooks)));
}

LentoChannel::LentoChannel(Options o, int listen_fd, JournalHooks hooks)
    : options_(std::move(o)), listen_fd_(listen_fd), hooks_(std::move(hooks)),
      server_([this](std::stop_token s) { serve(s); }) {}

LentoChannel::~LentoChannel() {
  server_.request_stop();
  server_.join();
  ::close(listen_fd_);
  ::unlink(options_.socket.c_str());
}

bool LentoChannel::is_lento(pid_t pid) const {
  pid_t lento = 0;
  {
    std::lock_guard lock(mu_);
    lento = lento_tgid_;
  }
  return lento != 0 && (pid == lento || tgid_of(pid) == lento);
}

bool LentoChannel::send_locked(int fd, const std::vector<std::uint8_t>& bytes) { return posix::send_all(fd, bytes); }

std::uint64_t LentoChannel::request(std::uint16_t kind, const std::string& path, const Version& v, pid_t pid) {
  Message m;
  m.kind = static_cast<Kind>(kind);
  m.id = next_id_++;
  m.fileset = options_.fileset;
  m.path = path;
  m.version = v;
  m.pid = static_cast<std::uint32_t>(pid);
  auto bytes = upcall::encode(m);
  if (!bytes) {
    say("upcall not sent: " + bytes.error().message);
    return 0;
  }
  answers_[m.id] = std::nullopt;
  if (!send_locked(session_fd_, *bytes)) answers_[m.id] = EROFS;
  return m.id;
}

int LentoChannel::begin_update(pid_t pid) {
  std::unique_lock lock(mu_);
  const auto deadline = std::chrono::steady_clock::now() + options_.permit_wait;
  for (;;) {
    if (session_fd_ < 0) return -EROFS;
    if (permit_ && !revoking_) {
      ++updates_in_progress_;
      return 0;
    }
    if (!permit_ && !permit_asked_ && !revoking_) {
      permit_request_ = request(IZO_UP_PERMIT, "", Version{}, pid);
      permit_asked_ = permit_request_ != 0;
    }
    if (permit_asked_) {
      auto it = answers_.find(permit_request_);
      if (it != answers_.end() && it->second && *it->second != 0) {
        answers_.erase(it);
        permit_asked_ = false;
        return -EROFS;  // refused, as the original did
      }
    }
    if (changed_.wait_until(lock, deadline) == std::cv_status::timeout) {
      say("no permit from Lento in time for fileset " + options_.fileset);
      return -EROFS;
    }
  }
}

void LentoChannel::end_update() {
  std::lock_guard lock(mu_);
  --updates_in_progress_;
  maybe_return_permit_locked();
}

void LentoChannel::maybe_return_permit_locked() {
  if (!revoking_ || updates_in_progress_ > 0) return;
  permit_ = false;
  revoking_ = false;
  Message m;
  m.kind = Kind::permit_returned;
  m.fileset = options_.fileset;
  if (session_fd_ >= 0) send_locked(session_fd_, *upcall::encode(m));
  changed_.notify_all();
}

int LentoChannel::fetch(const std::string& path, const Version& v, pid_t pid) {
  std::unique_lock lock(mu_);
  if (session_fd_ < 0) return -EIO;
  const auto id = request(IZO_UP_FETCH, path, v, pid);
  if (id == 0) return -EIO;
  const auto deadline = std::chrono::steady_clock::now() + options_.fetch_wait;
  for (;;) {
    auto it = answers_.find(id);
    if (it->second) {
      const auto status = *it->second;
      answers_.erase(it);
      return status == 0 ? 0 : -static_cast<int>(status);
    }
    if (changed_.wait_until(lock, deadline) == std::cv_status::timeout) {
      answers_.erase(id);
      say("no content for " + path + " from Lento in time");
      return -EIO;
    }
  }
}

void LentoChannel::kml_written(std::uint64_t recno) {
  std::lock_guard lock(mu_);
  if (session_fd_ < 0 || recno <= notified_recno_) return;
  Message m;
  m.kind = Kind::kml_written;
  m.fileset = options_.fileset;
  m.recno = recno;
  const auto bytes = *upcall::encode(m);
  // Never blocks an update: a notice that does not fit now goes with the next.
  if (::send(session_fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT) == static_cast<ssize_t>(bytes.size()))
    notified_recno_ = recno;
}

void LentoChannel::serve(std::stop_token stop) {
  while (!stop.stop_requested()) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    ucred cred{};
    socklen_t len = sizeof cred;
    if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0 || cred.uid != 0) {
      say("refused an upcall connection from uid " + std::to_string(cred.uid) + " (only root may be Lento)");
      ::close(fd);
      continue;
    }
    on_session(fd, stop);
    ::close(fd);
  }
}

void LentoChannel::on_session(int fd, const std::stop_token& stop) {
  ucred cred{};
  socklen_t len = sizeof cred;
  ::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len);
  std::vector<std::uint8_t> in;
  bool attached = false;
  auto detach = [&] {
    std::lock_guard lock(mu_);
    if (!attached) return;
    session_fd_ = -1;
    lento_tgid_ = 0;
    permit_ = revoking_ = permit_asked_ = false;
    for (auto& [id, status] : answers_)
      if (!status) status = EROFS;
    changed_.notify_all();
    say("Lento detached from fileset " + options_.fileset);
  };
  // Told to stop, the channel still reads what Lento has sent (without
  // waiting, at most kDrainBytes): Lento pipelines its JOURNAL requests and
  // may have made the update of a request still in the channel, so the
  // filter journals it before it goes.
  constexpr std::size_t kDrainBytes = 8u << 20;
  std::size_t drained = 0;
  for (;;) {
    const bool stopping = stop.stop_requested();
    if (stopping && drained >= kDrainBytes) break;
    if (!stopping) {
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
    }
    std::uint8_t buf[8192];
    const auto n = ::recv(fd, buf, sizeof buf, stopping ? MSG_DONTWAIT : 0);
    if (n <= 0) break;
    if (stopping) drained += static_cast<std::size_t>(n);
    in.insert(in.end(), buf, buf + n);
    bool bad = false;
    for (;;) {
      auto flen = upcall::frame_length(in);
      if (!flen) {
        say("bad message from Lento: " + flen.error().message + "; closing the channel");
        bad = true;
        break;
      }
      if (!*flen || in.size() < **flen) break;
      auto m = upcall::decode(std::span(in).first(**flen));
      in.erase(in.begin(), in.begin() + static_cast<std::ptrdiff_t>(**flen));
      if (!m) {
        say("bad message from Lento: " + m.error().message + "; closing the channel");
        bad = true;
        break;
      }
      if (m->fileset != options_.fileset) {
        say("Lento spoke of fileset " + m->fileset + ", this is " + options_.fileset + "; closing the channel");
        bad = true;
        break;
      }
      if (attached && (m->kind == Kind::journal || m->kind == Kind::sync)) {
        // Outside mu_: appending takes the update lock, which an update
        // waiting for the permit must not be able to block on us.
        Message reply;
        reply.kind = Kind::journaled;
        reply.fileset = options_.fileset;
        reply.id = m->id;
        if (m->kind == Kind::sync) {
          reply.recno = hooks_.sync();
        } else if (auto r = kml::decode(m->data); !r) {
          say("Lento sent a record that does not decode: " + r.error().message);
          reply.status = EINVAL;
        } else if (auto got = hooks_.append(std::move(*r)); !got) {
          say("cannot journal Lento's record: " + got.error().message);
          reply.status = EIO;
        } else {
          reply.recno = *got;
        }
        std::lock_guard lock(mu_);
        send_locked(fd, *upcall::encode(reply));
        continue;
      }
      // ATTACH reports a durable journal; syncing announces, which takes mu_.
      const std::uint64_t durable = m->kind == Kind::attach ? hooks_.sync() : 0;
      std::lock_guard lock(mu_);
      if (!attached && m->kind != Kind::attach) {
        say(std::string(upcall::kind_name(m->kind)) + " before attach; closing the channel");
        bad = true;
        break;
      }
      switch (m->kind) {
        case Kind::attach: {
          attached = true;
          session_fd_ = fd;
          lento_tgid_ = cred.pid;
          Message reply;
          reply.kind = Kind::attached;
          reply.fileset = options_.fileset;
          reply.recno = durable;
          reply.version = Version{options_.host, 0};
          notified_recno_ = reply.recno;
          send_locked(fd, *upcall::encode(reply));
          say("Lento (pid " + std::to_string(cred.pid) + ") attached to fileset " + options_.fileset);
          break;
        }
        case Kind::permit_reply:
          if (m->status != 0) {
            answers_[m->id] = m->status;  // the update that asked fails with EROFS
          } else if (m->id == permit_request_) {
            permit_ = true;
            permit_asked_ = revoking_ = false;
          }
          break;
        case Kind::fetch_reply: answers_[m->id] = m->status; break;
        case Kind::revoke:
          revoking_ = true;
          maybe_return_permit_locked();
          break;
        case Kind::detach: bad = true; break;
        default:
          say("Lento sent " + std::string(upcall::kind_name(m->kind)) + ", which only the filter sends; closing the channel");
          bad = true;
      }
      changed_.notify_all();
      if (bad) break;
    }
    if (bad) break;
  }
  detach();
}

}  // namespace izo::presto
