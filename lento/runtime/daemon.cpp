#include "runtime/daemon.hpp"

#include <sys/stat.h>

#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <nlohmann/json.hpp>

namespace izo::lento {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;
using boost::asio::ip::tcp;
using local = boost::asio::local::stream_protocol;

constexpr std::chrono::seconds kHelloWait{10};

}  // namespace

fs::path default_control_path(const std::string& sysid) { return fs::path("/run/intermezzo") / (sysid + ".ctl"); }

Daemon::Daemon(boost::asio::io_context& io, Configuration config, DaemonOptions options, const Log& log)
    : io_(io), config_(std::move(config)), options_(std::move(options)), log_(log) {
  if (options_.control.empty()) options_.control = default_control_path(config_.self.name);
}

Daemon::~Daemon() { stop(); }

Result<std::unique_ptr<Daemon>> Daemon::start(boost::asio::io_context& io, Configuration config, DaemonOptions options,
                                              const Log& log) {
  std::unique_ptr<Daemon> d(new Daemon(io, std::move(config), std::move(options), log));
  if (d->config_.self.caches.empty())
    return Error{"sysid '" + d->config_.self.name + "' keeps no fileset (add a <cache> element)", 0};
  bool serves = false;
  for (const auto& cache : d->config_.self.caches) {
    auto s = FilesetService::start(io, d->config_, cache, log, d->options_.timing, d->options_.contents);
    if (!s) return s.error();
    serves = serves || (*s)->serves();
    d->services_.push_back(std::move(*s));
  }
  if (serves) {
    const Server* me = d->config_.self_server();
    const std::string bind = !me->bindaddr.empty() ? me->bindaddr : d->config_.self.bindaddr;
    boost::system::error_code ec;
    const auto address = bind.empty() ? boost::asio::ip::address(boost::asio::ip::address_v4::any())
                                      : boost::asio::ip::make_address(bind, ec);
    if (ec) return Error{"bindaddr '" + bind + "' is not an IP address", 0};
    const tcp::endpoint at(address, me->port);
    d->acceptor_ = std::make_unique<tcp::acceptor>(io);
    d->acceptor_->open(at.protocol(), ec);
    if (!ec) d->acceptor_->set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) d->acceptor_->bind(at, ec);
    if (!ec) d->acceptor_->listen(64, ec);
    if (ec) return Error{"cannot listen on " + at.address().to_string() + ":" + std::to_string(at.port()) + ": " + ec.message(), 0};
    log.info("listening on " + at.address().to_string() + ":" + std::to_string(at.port()));
    d->accept();
  }
  std::error_code fec;
  fs::create_directories(d->options_.control.parent_path(), fec);
  fs::remove(d->options_.control, fec);  // a stale socket of an earlier run
  d->control_ = std::make_unique<local::acceptor>(io);
  boost::system::error_code ec;
  d->control_->open(local(), ec);
  if (!ec) d->control_->bind(local::endpoint(d->options_.control.string()), ec);
  if (!ec) d->control_->listen(16, ec);
  if (ec) return Error{"cannot open the control socket " + d->options_.control.string() + ": " + ec.message(), 0};
  ::chmod(d->options_.control.c_str(), 0600);  // izoctl changes things: root only
  log.info("control socket " + d->options_.control.string());
  d->accept_control();
  return d;
}

void Daemon::stop() {
  if (stopped_) return;
  stopped_ = true;
  boost::system::error_code ec;
  if (acceptor_) acceptor_->close(ec);
  if (control_) {
    control_->close(ec);
    std::error_code fec;
    fs::remove(options_.control, fec);
  }
  for (auto& s : services_) s->stop();
}

FilesetService* Daemon::service(const std::string& name) {
  for (auto& s : services_)
    if (s->name() == name) return s.get();
  return nullptr;
}

void Daemon::accept() {
  acceptor_->async_accept([this](const boost::system::error_code& ec, tcp::socket socket) {
    if (stopped_) return;
    if (!ec) {
      socket.set_option(tcp::no_delay(true));
      auto c = std::make_shared<Connection>(io_, std::make_unique<TcpStream>(std::move(socket)),
                                            options_.timing.silence_limit);
      log_.debug("connection from " + c->remote());
      // The first packet must be a hello; until then the peer has kHelloWait.
      auto timer = std::make_shared<boost::asio::steady_timer>(io_, kHelloWait);
      std::weak_ptr<Connection> weak = c;
      timer->async_wait([weak, this](const boost::system::error_code& e) {
        auto conn = weak.lock();
        if (e || !conn || !conn->open()) return;
        log_.info("refused " + conn->remote() + ": no hello within " + std::to_string(kHelloWait.count()) + " s");
        conn->close("no hello");
      });
      c->start(
          [this, timer](Connection& conn, wire::Packet p) {
            timer->cancel();
            greet(conn.shared_from_this(), std::move(p));
          },
          [this, timer](Connection& conn, const std::string& why) {
            timer->cancel();
            log_.info("refused " + conn.remote() + " before its hello: " + why);
          });
    } else {
      log_.error("accept: " + ec.message());
    }
    accept();
  });
}

void Daemon::greet(std::shared_ptr<Connection> c, wire::Packet first) {
  auto refuse = [&](const std::string& why) {
    log_.info("refused " + c->remote() + ": " + why);
    c->finish(message_packet(wire::HelloReply{wire::Status::refused, why, config_.self.name, 0, 0, 0}), "refused");
  };
  if (first.type != wire::PacketType::msg) return refuse("the first packet is not a hello message");
  auto m = wire::decode_message(first.payload);
  if (!m) return refuse("bad hello: " + m.error().message);
  const auto* hello = std::get_if<wire::Hello>(&*m);
  if (!hello) return refuse("the first message is " + std::string(wire::kind_name(wire::kind_of(*m))) + ", not hello");
  if (hello->protocol != wire::kProtocolVersion)
    return refuse("protocol " + std::to_string(hello->protocol) + ", this server speaks " +
                  std::to_string(wire::kProtocolVersion));
  FilesetService* s = service(hello->fileset);
  if (!s || !s->serves()) return refuse("this host does not serve fileset '" + hello->fileset + "'");
  s->adopt(std::move(c), *hello);
}

void Daemon::accept_control() {
  control_->async_accept([this](const boost::system::error_code& ec, local::socket socket) {
    if (stopped_) return;
    if (!ec) {
      auto sock = std::make_shared<local::socket>(std::move(socket));
      auto buf = std::make_shared<boost::asio::streambuf>(1 << 20);
      boost::asio::async_read_until(*sock, *buf, '\n',
                                    [this, sock, buf](const boost::system::error_code& e, std::size_t n) {
                                      if (e) return;
                                      std::string line(boost::asio::buffers_begin(buf->data()),
                                                       boost::asio::buffers_begin(buf->data()) + static_cast<std::ptrdiff_t>(n));
                                      json answer;
                                      try {
                                        answer = control(json::parse(line));
                                      } catch (const json::exception& x) {
                                        answer = {{"ok", false}, {"error", std::string("bad request: ") + x.what()}};
                                      }
                                      auto out = std::make_shared<std::string>(answer.dump() + "\n");
                                      boost::asio::async_write(*sock, boost::asio::buffer(*out),
                                                               [sock, out](const boost::system::error_code&, std::size_t) {});
                                    });
    }
    accept_control();
  });
}

json Daemon::control(const json& request) {
  const std::string cmd = request.value("cmd", "");
  const std::string fileset = request.value("fileset", "");
  std::vector<FilesetService*> chosen;
  for (auto& s : services_)
    if (fileset.empty() || s->name() == fileset) chosen.push_back(s.get());
  if (chosen.empty()) return {{"ok", false}, {"error", "this lento keeps no fileset '" + fileset + "'"}};
  if (cmd == "status") {
    json filesets = json::array();
    for (auto* s : chosen) filesets.push_back(s->status());
    return {{"ok", true}, {"sysid", config_.self.name}, {"filesets", filesets}};
  }
  if (cmd == "conflicts") {
    json all = json::array();
    for (auto* s : chosen)
      for (auto& c : s->conflicts()) all.push_back(c);
    return {{"ok", true}, {"conflicts", all}};
  }
  if (cmd == "disconnect" || cmd == "reconnect") {
    const std::string peer = request.value("peer", "");
    for (auto* s : chosen) {
      if (peer.empty() && s->serves()) return {{"ok", false}, {"error", "on a server, name the peer to " + cmd}};
      auto err = cmd == "disconnect" ? s->disconnect(peer) : s->reconnect(peer);
      if (err) return {{"ok", false}, {"error", *err}};
    }
    return {{"ok", true}};
  }
  if (cmd == "resolve") {
    if (fileset.empty()) return {{"ok", false}, {"error", "resolve needs the fileset"}};
    const auto winner = fsm::winner_from_name(request.value("winner", ""));
    if (!winner) return {{"ok", false}, {"error", "winner must be server or client"}};
    if (!request.contains("id") || !request["id"].is_number_unsigned()) return {{"ok", false}, {"error", "resolve needs the conflict id"}};
    auto err = chosen.front()->resolve(request["id"].get<std::uint64_t>(), *winner);
    if (err) return {{"ok", false}, {"error", *err}};
    return {{"ok", true}};
  }
  return {{"ok", false}, {"error", "unknown command '" + cmd + "' (status, conflicts, disconnect, reconnect, resolve)"}};
}

}  // namespace izo::lento
