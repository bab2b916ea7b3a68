// One lento-to-lento connection: packets (protocol/wire/packet.hpp) over a
// byte stream, with a send queue and a silence watchdog. The stream is an
// interface so that TLS can wrap TCP later without touching anything above
// it: the protocol core sees only messages, this class only bytes.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "wire/messages.hpp"
#include "wire/packet.hpp"

namespace izo::lento {

// What a connection needs of its transport.
class ByteStream {
 public:
  using ReadDone = std::function<void(const boost::system::error_code&, std::size_t)>;
  using WriteDone = std::function<void(const boost::system::error_code&)>;
  virtual ~ByteStream() = default;
  virtual void read_some(std::span<std::uint8_t> into, ReadDone done) = 0;
  virtual void write_all(std::span<const std::uint8_t> bytes, WriteDone done) = 0;
  virtual void close() = 0;
  virtual std::string remote() const = 0;  // for logs
};

class TcpStream final : public ByteStream {
 public:
  explicit TcpStream(boost::asio::ip::tcp::socket s) : s_(std::move(s)) {}
  void read_some(std::span<std::uint8_t> into, ReadDone done) override;
  void write_all(std::span<const std::uint8_t> bytes, WriteDone done) override;
  void close() override;
  std::string remote() const override;

 private:
  boost::asio::ip::tcp::socket s_;
};

// A message as the payload of one packet (MSG by default: the engine's).
wire::Packet message_packet(const wire::Message& m, wire::PacketType type = wire::PacketType::msg,
                            std::uint32_t ctoken = 0);

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  using OnPacket = std::function<void(Connection&, wire::Packet)>;
  using OnClosed = std::function<void(Connection&, const std::string& why)>;

  Connection(boost::asio::io_context& io, std::unique_ptr<ByteStream> stream, std::chrono::milliseconds silence_limit);
  // Starts reading; `closed` runs once, whatever ends the connection.
  void start(OnPacket on_packet, OnClosed closed);
  // Hands a started connection to new handlers (a hello routed it to its fileset).
  void set_handlers(OnPacket on_packet, OnClosed closed);
  void send(const wire::Packet& p);
  void close(const std::string& why);
  // Sends `last` and closes once it is out (a refusal the peer gets to
  // read); nothing more is delivered and no closed handler runs.
  void finish(const wire::Packet& last, const std::string& why);

  bool open() const { return open_; }
  std::string remote() const { return remote_; }
  std::size_t queued_bytes() const { return queued_; }

 private:
  void read();
  void write_next();
  void watch();

  std::unique_ptr<ByteStream> stream_;
  boost::asio::steady_timer watchdog_;
  std::chrono::milliseconds silence_limit_;
  std::chrono::steady_clock::time_point last_heard_;
  std::string remote_;
  wire::PacketStream in_;
  std::vector<std::uint8_t> buf_;
  std::deque<std::vector<std::uint8_t>> out_;
  std::size_t queued_ = 0;
  bool writing_ = false;
  bool open_ = true;
  bool started_ = false;
  std::optional<std::string> finishing_;  // close with this once the queue is out
  OnPacket on_packet_;
  OnClosed closed_;
};

}  // namespace izo::lento
