#include "runtime/connection.hpp"

#include <boost/asio/write.hpp>
#include <cstdio>
#include <stdexcept>

namespace izo::lento {

wire::Packet message_packet(const wire::Message& m, wire::PacketType type, std::uint32_t ctoken) {
  wire::Packet p;
  p.type = type;
  p.ctoken = ctoken;
  wire::encode_message(m, p.payload);
  return p;
}

void TcpStream::read_some(std::span<std::uint8_t> into, ReadDone done) {
  s_.async_read_some(boost::asio::buffer(into.data(), into.size()), std::move(done));
}

void TcpStream::write_all(std::span<const std::uint8_t> bytes, WriteDone done) {
  boost::asio::async_write(s_, boost::asio::buffer(bytes.data(), bytes.size()),
                           [d = std::move(done)](const boost::system::error_code& ec, std::size_t) { d(ec); });
}

void TcpStream::close() {
  boost::system::error_code ec;
  s_.shutdown(boost::asio::ip::tcp::socket::shutdown_both, ec);
  s_.close(ec);
}

std::string TcpStream::remote() const {
  boost::system::error_code ec;
  const auto ep = s_.remote_endpoint(ec);
  if (ec) return "?";
  return ep.address().to_string() + ":" + std::to_string(ep.port());
}

Connection::Connection(boost::asio::io_context& io, std::unique_ptr<ByteStream> stream,
                       std::chrono::milliseconds silence_limit)
    : stream_(std::move(stream)), watchdog_(io), silence_limit_(silence_limit), remote_(stream_->remote()),
      buf_(256 * 1024) {}

void Connection::start(OnPacket on_packet, OnClosed closed) {
  // A second read in flight would interleave two streams in one buffer.
  if (started_) throw std::logic_error("Connection::start called twice (use set_handlers)");
  started_ = true;
  on_packet_ = std::move(on_packet);
  closed_ = std::move(closed);
  last_heard_ = std::chrono::steady_clock::now();
  read();
  watch();
}

void Connection::set_handlers(OnPacket on_packet, OnClosed closed) {
  on_packet_ = std::move(on_packet);
  closed_ = std::move(closed);
}

void Connection::read() {
  stream_->read_some(buf_, [self = shared_from_this()](const boost::system::error_code& ec, std::size_t n) {
    if (!self->open_) return;
    if (ec) return self->close(ec == boost::asio::error::eof ? "the peer closed the connection" : ec.message());
    self->last_heard_ = std::chrono::steady_clock::now();
    self->in_.feed(std::span(self->buf_).first(n));
    for (;;) {
      auto p = self->in_.next();
      if (!p) {
        std::string dump;
        char hexb[4];
        for (std::size_t i = 0; i < std::min<std::size_t>(n, 48); ++i) {
          std::snprintf(hexb, sizeof hexb, "%02x ", self->buf_[i]);
          dump += hexb;
        }
        return self->close("bad packet: " + p.error().message + " (read of " + std::to_string(n) + " bytes: " + dump + ")");
      }
      if (!*p) break;
      auto handler = self->on_packet_;  // a handler may replace itself
      handler(*self, std::move(**p));
      if (!self->open_) return;
    }
    self->read();
  });
}

void Connection::send(const wire::Packet& p) {
  if (!open_) return;
  std::vector<std::uint8_t> bytes;
  wire::encode_packet(p, bytes);
  queued_ += bytes.size();
  out_.push_back(std::move(bytes));
  if (!writing_) write_next();
}

void Connection::finish(const wire::Packet& last, const std::string& why) {
  on_packet_ = [](Connection&, wire::Packet) {};
  closed_ = nullptr;
  finishing_ = why;
  send(last);
}

void Connection::write_next() {
  if (out_.empty() || !open_) {
    writing_ = false;
    if (finishing_ && open_) close(*finishing_);
    return;
  }
  writing_ = true;
  stream_->write_all(out_.front(), [self = shared_from_this()](const boost::system::error_code& ec) {
    if (!self->open_) return;
    if (ec) return self->close("write failed: " + ec.message());
    self->queued_ -= self->out_.front().size();
    self->out_.pop_front();
    self->write_next();
  });
}

void Connection::watch() {
  watchdog_.expires_after(silence_limit_ / 4);
  watchdog_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    if (ec || !self->open_) return;
    if (std::chrono::steady_clock::now() - self->last_heard_ > self->silence_limit_)
      return self->close("the peer was silent for " + std::to_string(self->silence_limit_.count()) + " ms");
    self->watch();
  });
}

void Connection::close(const std::string& why) {
  if (!open_) return;
  open_ = false;
  watchdog_.cancel();
  stream_->close();
  out_.clear();
  queued_ = 0;
  if (closed_) {
    auto c = std::move(closed_);
    c(*this, why);
  }
}

}  // namespace izo::lento
