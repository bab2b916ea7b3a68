#include "runtime/presto_link.hpp"

#include "posix/send_all.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <boost/asio/post.hpp>
#include <cerrno>
#include <chrono>
#include <cstring>

namespace izo::lento {
namespace {

using upcall::Kind;
using upcall::Message;

using posix::send_all;

}  // namespace

Result<std::unique_ptr<PrestoLink>> PrestoLink::attach(boost::asio::io_context& io, const std::filesystem::path& socket,
                                                       const std::string& fileset, int wait_ms) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (socket.string().size() >= sizeof addr.sun_path)
    return Error{"upcall socket path " + socket.string() + " is too long", 0};
  std::memcpy(addr.sun_path, socket.c_str(), socket.string().size() + 1);
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Error{std::string("socket: ") + std::strerror(errno), 0};
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    const int e = errno;
    ::close(fd);
    return Error{"no Presto filter listening on " + socket.string() + " (" + std::strerror(e) +
                     "; mount the fileset with presto-fuse first)",
                 0};
  }
  std::unique_ptr<PrestoLink> link(new PrestoLink(io, fd, fileset));
  Message m;
  m.kind = Kind::attach;
  m.fileset = fileset;
  auto bytes = upcall::encode(m);
  if (!bytes) return bytes.error();
  if (!send_all(fd, *bytes)) return Error{"cannot write to " + socket.string(), 0};
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(wait_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    if (!link->pull(100)) return Error{"the filter on " + socket.string() + " closed the channel at ATTACH", 0};
    for (auto it = link->pending_.begin(); it != link->pending_.end(); ++it) {
      if (it->kind != Kind::attached) continue;
      link->filter_host_ = it->version.host;
      link->attached_recno_ = it->recno;
      link->pending_.erase(it);
      return link;
    }
  }
  return Error{"the filter on " + socket.string() + " did not answer ATTACH in time", 0};
}

PrestoLink::PrestoLink(boost::asio::io_context& io, int fd, std::string fileset)
    : sd_(io, fd), fileset_(std::move(fileset)) {}

PrestoLink::~PrestoLink() {
  boost::system::error_code ec;
  sd_.close(ec);
}

void PrestoLink::start(Upcall on_upcall, Closed closed) {
  on_upcall_ = std::move(on_upcall);
  closed_ = std::move(closed);
  deliver();
  arm();
}

bool PrestoLink::pull(int wait_ms) {
  if (!open_) return false;
  pollfd p{sd_.native_handle(), POLLIN, 0};
  const int ready = ::poll(&p, 1, wait_ms);
  if (ready < 0) return errno == EINTR;
  if (ready == 0) return true;
  std::uint8_t buf[65536];
  const auto n = ::recv(sd_.native_handle(), buf, sizeof buf, MSG_DONTWAIT);
  if (n == 0) {
    fail("the filter closed the upcall channel");
    return false;
  }
  if (n < 0) {
    if (errno == EAGAIN || errno == EINTR) return true;
    fail(std::string("upcall channel: ") + std::strerror(errno));
    return false;
  }
  in_.insert(in_.end(), buf, buf + n);
  for (;;) {
    auto len = upcall::frame_length(in_);
    if (!len) {
      fail("bad upcall from the filter: " + len.error().message);
      return false;
    }
    if (!*len || in_.size() < **len) return true;
    auto m = upcall::decode(std::span(in_).first(**len));
    in_.erase(in_.begin(), in_.begin() + static_cast<std::ptrdiff_t>(**len));
    if (!m) {
      fail("bad upcall from the filter: " + m.error().message);
      return false;
    }
    pending_.push_back(std::move(*m));
  }
}

void PrestoLink::arm() {
  if (!open_ || armed_) return;
  armed_ = true;
  sd_.async_wait(boost::asio::posix::stream_descriptor::wait_read, [this](const boost::system::error_code& ec) {
    armed_ = false;
    if (ec || !open_) return;
    if (pull(0)) arm();
    deliver();
  });
}

void PrestoLink::deliver() {
  while (!pending_.empty() && on_upcall_) {
    auto m = std::move(pending_.front());
    pending_.pop_front();
    on_upcall_(m);
  }
}

void PrestoLink::fail(const std::string& why) {
  if (!open_) return;
  open_ = false;
  boost::system::error_code ec;
  sd_.cancel(ec);
  if (closed_) boost::asio::post(sd_.get_executor(), [c = closed_, why] { c(why); });
}

Result<std::uint64_t> PrestoLink::post(Message m) {
  if (!open_) return Error{"the upcall channel is closed", 0};
  m.id = next_id_++;
  m.fileset = fileset_;
  auto bytes = upcall::encode(m);
  if (!bytes) return bytes.error();
  if (!send_all(sd_.native_handle(), *bytes)) {
    fail("cannot write to the upcall channel");
    return Error{"cannot write to the upcall channel", 0};
  }
  return m.id;
}

Result<Message> PrestoLink::await(std::uint64_t id, int wait_ms) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(wait_ms);
  for (;;) {
    for (auto it = pending_.begin(); it != pending_.end(); ++it) {
      if (it->kind != Kind::journaled || it->id != id) continue;
      Message reply = std::move(*it);
      pending_.erase(it);
      // Upcalls that came meanwhile are handled once this call returns.
      if (!pending_.empty()) boost::asio::post(sd_.get_executor(), [this] { deliver(); });
      return reply;
    }
    if (std::chrono::steady_clock::now() >= deadline) return Error{"the filter did not answer in time", 0};
    if (!pull(50)) return Error{"the upcall channel closed", 0};
  }
}

Result<std::uint64_t> PrestoLink::send_journal(const kml::Record& r) {
  Message m;
  m.kind = Kind::journal;
  if (auto n = kml::encode(r, m.data); !n) return n.error();
  return post(std::move(m));
}

Result<std::uint64_t> PrestoLink::send_sync() {
  Message m;
  m.kind = Kind::sync;
  return post(std::move(m));
}

Result<std::uint64_t> PrestoLink::await_journaled(std::uint64_t id) {
  auto reply = await(id, 30'000);
  if (!reply) return reply.error();
  if (reply->status != 0) return Error{std::string("the filter answered ") + std::strerror(static_cast<int>(reply->status)), 0};
  return reply->recno;
}

void PrestoLink::send(Message m) {
  if (!open_) return;
  m.fileset = fileset_;
  auto bytes = upcall::encode(m);
  if (!bytes || !send_all(sd_.native_handle(), *bytes)) fail("cannot write to the upcall channel");
}

void PrestoLink::detach() {
  if (!open_) return;
  Message m;
  m.kind = Kind::detach;
  send(m);
  open_ = false;
  boost::system::error_code ec;
  sd_.cancel(ec);
}

}  // namespace izo::lento
