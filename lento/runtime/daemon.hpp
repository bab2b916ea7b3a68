// The lento daemon: one event loop, a FilesetService per <cache> of sysid,
// the acceptor that routes each incoming connection to its fileset by its
// hello, and the control socket izoctl talks to.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/signal_set.hpp>

#include <filesystem>
#include <memory>
#include <vector>

#include "config/config.hpp"
#include "runtime/fileset_service.hpp"
#include "runtime/log.hpp"

namespace izo::lento {

struct DaemonOptions {
  std::filesystem::path control;  // "" = /run/intermezzo/SYSID.ctl
  ServiceTiming timing;
  ContentLimits contents;  // per fileset
};

// The control socket's path for a sysid when none is given.
std::filesystem::path default_control_path(const std::string& sysid);

class Daemon {
 public:
  // Starts every fileset and binds the listener and the control socket; on
  // any failure stops what it started and reports why.
  static Result<std::unique_ptr<Daemon>> start(boost::asio::io_context& io, Configuration config, DaemonOptions options,
                                               const Log& log);
  ~Daemon();
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;
  void stop();

  // One izoctl request (a JSON object) and its answer.
  nlohmann::json control(const nlohmann::json& request);

 private:
  Daemon(boost::asio::io_context& io, Configuration config, DaemonOptions options, const Log& log);
  void accept();
  void greet(std::shared_ptr<Connection> c, wire::Packet first);
  void accept_control();
  FilesetService* service(const std::string& name);

  boost::asio::io_context& io_;
  Configuration config_;
  DaemonOptions options_;
  const Log& log_;
  std::vector<std::unique_ptr<FilesetService>> services_;
  std::unique_ptr<boost::asio::ip::tcp::acceptor> acceptor_;
  std::unique_ptr<boost::asio::local::stream_protocol::acceptor> control_;
  bool stopped_ = false;
};

}  // namespace izo::lento
