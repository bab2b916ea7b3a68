// lento: the InterMezzo cache manager and file server. Reads the HOWTO's
// configuration, attaches to the Presto filter of every fileset this host
// keeps, serves or replicates them, and runs until SIGTERM or SIGINT.
#include <CLI/CLI.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <cstdio>

#include "config/config.hpp"
#include "runtime/daemon.hpp"
#include "runtime/log.hpp"
#include "runtime/open_file_limit.hpp"

int main(int argc, char** argv) {
  using namespace izo::lento;
  CLI::App app{
      "lento: serves and replicates InterMezzo filesets. Reads CONFIGDIR/sysid (or --idfile), serverdb and\n"
      "fsetdb, attaches to each fileset's Presto filter (mount it with presto-fuse first), and runs in the\n"
      "foreground until SIGTERM or SIGINT. izoctl talks to it on its control socket."};
  ConfigPaths paths;
  std::string configdir = kDefaultConfigDir, idfile, control;
  int debuglevel = 1;
  int heartbeat_ms = 1000, silence_ms = 5000;
  app.add_option("--configdir", configdir, "the configuration directory")->capture_default_str();
  app.add_option("--idfile", idfile, "the sysid file (relative: under the configuration directory)");
  app.add_option("--debuglevel", debuglevel, "0 errors only, 1 peers and conflicts, 2 every message")
      ->capture_default_str()
      ->check(CLI::Range(0, 2));
  app.add_option("--control", control, "izoctl's socket (default /run/intermezzo/SYSID.ctl)");
  app.add_option("--heartbeat-ms", heartbeat_ms, "heartbeat interval")->capture_default_str()->check(CLI::Range(10, 600000));
  app.add_option("--silence-ms", silence_ms, "a peer silent this long is taken as gone")
      ->capture_default_str()
      ->check(CLI::Range(50, 3600000));
  CLI11_PARSE(app, argc, argv);
  paths.configdir = configdir;
  paths.idfile = idfile;
  auto config = load_configuration(paths);
  if (!config) {
    std::fprintf(stderr, "lento: %s\n", config.error().message.c_str());
    return 2;
  }
  if (silence_ms <= heartbeat_ms) {
    std::fprintf(stderr, "lento: --silence-ms must be longer than --heartbeat-ms\n");
    return 64;
  }
  Log log(config->self.name, debuglevel);
  boost::asio::io_context io(1);
  DaemonOptions options;
  options.control = control;
  options.timing.heartbeat = std::chrono::milliseconds(heartbeat_ms);
  options.timing.silence_limit = std::chrono::milliseconds(silence_ms);
  const std::uint64_t open_limit = raise_open_file_limit();
  options.contents.open_files = content_files_per_fileset(open_limit, config->self.caches.size());
  log.debug("open files: limit " + std::to_string(open_limit) + ", up to " +
            std::to_string(options.contents.open_files) + " per fileset for contents waiting to be installed");
  auto daemon = Daemon::start(io, std::move(*config), options, log);
  if (!daemon) {
    log.error(daemon.error().message);
    return 2;
  }
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int sig) {
    if (ec) return;
    log.info(std::string("stopping on ") + (sig == SIGINT ? "SIGINT" : "SIGTERM"));
    (*daemon)->stop();
    io.stop();
  });
  io.run();
  return 0;
}
