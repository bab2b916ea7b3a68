// presto-fuse: mounts a fileset through Presto's FUSE filter. Every update
// made through the mount is journaled in <holding>/.intermezzo/<fileset>/kml.
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <chrono>
#include <filesystem>

#include "filter.hpp"
#include "util/host_id.hpp"
#include "wire/codec.hpp"

namespace {

int run(const std::string& holding, const std::string& mountpoint, izo::presto::FilterOptions options,
        izo::kml::SyncPolicy sync, const std::string& extra_options, bool debug, bool no_lento,
        std::string socket, int permit_wait_s) {
  using namespace izo::presto;
  auto lower = Lower::open(holding);
  if (!lower) {
    std::fprintf(stderr, "presto-fuse: holding directory %s\n", lower.error().message.c_str());
    return 2;
  }
  const std::filesystem::path meta = std::filesystem::path(holding) / kMetaDir / options.fileset;
  std::error_code ec;
  std::filesystem::create_directories(meta, ec);
  if (ec) {
    std::fprintf(stderr, "presto-fuse: cannot make %s: %s\n", meta.c_str(), ec.message().c_str());
    return 2;
  }
  izo::posix::KmlOpenReport report;
  auto journal = Journal::open(meta / "kml", options.host, sync, &report);
  if (!journal) {
    std::fprintf(stderr, "presto-fuse: %s\n", journal.error().message.c_str());
    return 2;
  }
  if (report.cut_bytes)
    std::fprintf(stderr, "presto-fuse: %s: cut a torn tail of %zu bytes after record %llu\n",
                 (meta / "kml").c_str(), report.cut_bytes,
                 static_cast<unsigned long long>((*journal)->last_recno()));
  std::fprintf(stderr, "presto-fuse: fileset %s, host %llu, journal %s at record %llu\n",
               options.fileset.c_str(), static_cast<unsigned long long>(options.host),
               (meta / "kml").c_str(), static_cast<unsigned long long>((*journal)->last_recno()));

  Filter filter(std::move(*lower), std::move(*journal), nullptr, options);
  if (!no_lento) {
    LentoChannel::Options lo;
    lo.socket = socket.empty() ? meta / "presto.sock" : std::filesystem::path(socket);
    lo.fileset = options.fileset;
    lo.permit_wait = std::chrono::seconds(permit_wait_s);
    lo.fetch_wait = std::chrono::seconds(permit_wait_s);
    lo.host = options.host;
    LentoChannel::JournalHooks hooks;
    hooks.sync = [&filter] { return filter.journal().sync(); };
    hooks.append = [&filter](izo::kml::Record r) -> izo::Result<std::uint64_t> {
      if (auto bad = izo::kml::check(r)) return *bad;
      std::lock_guard lock(filter.update_lock());
      return filter.journal().append(std::move(r));
    };
    auto channel = LentoChannel::listen(lo, std::move(hooks));
    if (!channel) {
      std::fprintf(stderr, "presto-fuse: %s\n", channel.error().message.c_str());
      return 2;
    }
    LentoChannel* c = channel->get();
    filter.journal().on_durable([c](std::uint64_t durable) { c->kml_written(durable); });
    std::fprintf(stderr, "presto-fuse: waiting for Lento on %s; updates fail with EROFS until it attaches\n",
                 lo.socket.c_str());
    filter.attach_lento(std::move(*channel));
  }
  std::string mount_options = "default_permissions,fsname=presto:" + options.fileset + ",subtype=intermezzo";
  if (::geteuid() == 0) mount_options += ",allow_other";
  if (!extra_options.empty()) mount_options += "," + extra_options;
  fuse_args args = FUSE_ARGS_INIT(0, nullptr);
  fuse_opt_add_arg(&args, "presto-fuse");
  fuse_opt_add_arg(&args, "-o");
  fuse_opt_add_arg(&args, mount_options.c_str());
  if (debug) fuse_opt_add_arg(&args, "-d");
  fuse* f = fuse_new(&args, &Filter::operations(), sizeof(fuse_operations), &filter);
  fuse_opt_free_args(&args);
  if (!f) {
    std::fprintf(stderr, "presto-fuse: bad mount options: %s\n", mount_options.c_str());
    return 2;
  }
  if (fuse_mount(f, mountpoint.c_str()) != 0) {
    std::fprintf(stderr, "presto-fuse: cannot mount on %s\n", mountpoint.c_str());
    fuse_destroy(f);
    return 2;
  }
  fuse_session* se = fuse_get_session(f);
  fuse_set_signal_handlers(se);
  fuse_loop_config config{};
  config.clone_fd = 0;
  config.max_idle_threads = 10;
  const int loop = fuse_loop_mt(f, &config);
  fuse_remove_signal_handlers(se);
  fuse_unmount(f);
  fuse_destroy(f);
  std::fprintf(stderr, "presto-fuse: unmounted %s\n", mountpoint.c_str());
  // The loop reports the signal that ended it: an ordinary way to stop.
  const bool signalled = loop == SIGTERM || loop == SIGINT || loop == SIGHUP;
  return loop == 0 || signalled ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "Presto's FUSE filter: mounts the fileset kept in HOLDING on MOUNTPOINT, passes every access\n"
      "to HOLDING and journals every update into HOLDING/.intermezzo/FILESET/kml.\n"
      "Runs in the foreground until unmounted (fusermount3 -u MOUNTPOINT) or signalled."};
  std::string holding, mountpoint, extra, sync_name = "group";
  izo::presto::FilterOptions options;
  bool no_lento = false, debug = false;
  std::string socket;
  int permit_wait_s = 60;
  app.add_option("holding", holding, "the wrapped directory holding the fileset's files")->required();
  app.add_option("mountpoint", mountpoint, "where the fileset appears")->required();
  app.add_option("--fileset", options.fileset, "the fileset's name")->required();
  std::string host_name;
  auto* id_opt = app.add_option("--host-id", options.host, "this host's id, stamped in versions")->capture_default_str();
  app.add_option("--host", host_name, "this host's sysid name; its id (izo::host_id_of) is stamped in versions")
      ->excludes(id_opt);
  app.add_flag("--no-lento", no_lento, "journal only: no upcalls to Lento (no permits, no fetches)");
  app.add_option("--socket", socket, "the upcall socket Lento attaches to (default HOLDING/.intermezzo/FILESET/presto.sock)");
  app.add_option("--permit-wait", permit_wait_s, "seconds an update waits for Lento's permit (or a fetch for its data)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--sync", sync_name, "when the journal is made durable: group, always, off")
      ->capture_default_str()
      ->check(CLI::IsMember({"group", "always", "off"}));
  app.add_option("-o", extra, "more FUSE mount options, comma-separated");
  app.add_flag("-d,--debug", debug, "print every FUSE request");
  CLI11_PARSE(app, argc, argv);
  if (!host_name.empty()) {
    if (auto why = izo::wire::name_problem(host_name)) {
      std::fprintf(stderr, "presto-fuse: --host %s: %s\n", host_name.c_str(), std::string(*why).c_str());
      return 64;
    }
    options.host = izo::host_id_of(host_name);
  }
  if (options.host == 0) {
    std::fprintf(stderr, "presto-fuse: --host-id must not be 0\n");
    return 64;
  }
  izo::kml::SyncPolicy sync;
  sync.mode = *izo::kml::sync_mode_from_name(sync_name);
  return run(holding, mountpoint, options, sync, extra, debug, no_lento, socket, permit_wait_s);
}
