// izoctl: asks a running lento about its filesets and tells it what to do:
// status, disconnect/reconnect a peer on purpose, list/show/resolve
// conflicts, wait until synced. A table for people, --json for scripts.
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstdio>
#include <chrono>
#include <cstring>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "runtime/daemon.hpp"

namespace {

using nlohmann::json;

// One request, one answer line; nullopt (after saying why) if lento is not there.
std::optional<json> ask(const std::string& path, const json& request) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
  if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    std::fprintf(stderr, "izoctl: no lento on %s: %s\n", path.c_str(), std::strerror(errno));
    if (fd >= 0) ::close(fd);
    return std::nullopt;
  }
  const std::string line = request.dump() + "\n";
  if (::write(fd, line.data(), line.size()) != static_cast<ssize_t>(line.size())) {
    std::fprintf(stderr, "izoctl: cannot write to %s\n", path.c_str());
    ::close(fd);
    return std::nullopt;
  }
  std::string answer;
  char buf[65536];
  for (;;) {
    const auto n = ::read(fd, buf, sizeof buf);
    if (n <= 0) break;
    answer.append(buf, static_cast<std::size_t>(n));
    if (answer.back() == '\n') break;
  }
  ::close(fd);
  try {
    return json::parse(answer);
  } catch (const json::exception& e) {
    std::fprintf(stderr, "izoctl: lento answered something that is not JSON: %s\n", e.what());
    return std::nullopt;
  }
}

std::string str(const json& j) { return j.is_string() ? j.get<std::string>() : j.is_null() ? "-" : j.dump(); }

void print_status(const json& a) {
  std::printf("lento %s\n", a["sysid"].get<std::string>().c_str());
  for (const auto& f : a["filesets"]) {
    std::printf("\nfileset %s: %s%s, policy %s, mount %s%s\n", str(f["fileset"]).c_str(), str(f["role"]).c_str(),
                f["role"] == "client" ? (" of " + str(f["server"])).c_str() : "", str(f["policy"]).c_str(),
                str(f["mount"]).c_str(), f.value("stopped", false) ? "  ** STOPPED (see the log) **" : "");
    std::printf("  permit %s, holder %s\n", str(f["permit"]).c_str(), str(f["holder"]).c_str());
    std::printf("  journal %s records (%s durable), %s bytes; conflicts %s open, %s resolved\n",
                str(f["journal"]["last"]).c_str(), str(f["journal"]["durable"]).c_str(),
                str(f["journal"]["bytes"]).c_str(), str(f["conflicts_open"]).c_str(),
                str(f["conflicts_resolved"]).c_str());
    std::printf("  contents: %s fetches in flight, %s fetched, %s pushed by peers\n", str(f["fetches_in_flight"]).c_str(),
                str(f["contents_fetched"]).c_str(), str(f["contents_pushed"]).c_str());
    std::printf("  %-16s %-14s %-10s %-22s %8s %8s %10s\n", "PEER", "LINK", "CONNECTED", "ADDRESS", "ACKED",
                "LAG REC", "LAG BYTES");
    for (const auto& p : f["peers"])
      std::printf("  %-16s %-14s %-10s %-22s %8s %8s %10s\n", str(p["name"]).c_str(), str(p["link"]).c_str(),
                  p["cut"].get<bool>() ? "cut" : (p["connected"].get<bool>() ? "yes" : "no"),
                  str(p["address"]).c_str(), str(p["acked"]).c_str(), str(p["lag_records"]).c_str(),
                  str(p["lag_bytes"]).c_str());
  }
}

void print_conflicts(const json& list, std::optional<std::uint64_t> only) {
  if (!only) std::printf("%-10s %-4s %-6s %-10s %-30s %s\n", "FILESET", "ID", "OPEN", "WINNER", "PATH", "STATE");
  for (const auto& c : list) {
    if (only && c["id"].get<std::uint64_t>() != *only) continue;
    if (only) {
      std::printf("conflict %s in fileset %s\n  path    %s\n  reason  %s\n  local   %s\n  remote  %s\n  state   %s\n"
                  "  winner  %s\n",
                  str(c["id"]).c_str(), str(c["fileset"]).c_str(), str(c["path"]).c_str(), str(c["reason"]).c_str(),
                  str(c["local"]).c_str(), str(c["remote"]).c_str(), str(c["state"]).c_str(),
                  c["winner"] == "" ? "(none yet: resolve it)" : str(c["winner"]).c_str());
      for (const auto& k : c["kept"]) std::printf("  kept    %s\n", str(k).c_str());
      continue;
    }
    std::printf("%-10s %-4s %-6s %-10s %-30s %s\n", str(c["fileset"]).c_str(), str(c["id"]).c_str(),
                c["open"].get<bool>() ? "yes" : "no", c["winner"] == "" ? "-" : str(c["winner"]).c_str(),
                str(c["path"]).c_str(), str(c["state"]).c_str());
  }
}

// What keeps a status answer from being synced, or "" if nothing: for each
// fileset, a peer (every peer, or only `peer`) not connected, not in the
// link state "synced" or not having acknowledged the whole durable journal,
// a fetch still in flight, a fileset stopped.
std::string not_synced(const json& status, const std::string& peer) {
  std::string why;
  auto add = [&](const std::string& s) { why += (why.empty() ? "" : "; ") + s; };
  bool named_seen = false;
  for (const auto& f : status["filesets"]) {
    const std::string fs = "fileset " + str(f["fileset"]);
    if (f.value("stopped", false)) add(fs + " is stopped");
    if (f["fetches_in_flight"].get<std::uint64_t>() > 0) add(fs + ": " + str(f["fetches_in_flight"]) + " fetches in flight");
    for (const auto& p : f["peers"]) {
      if (!peer.empty() && p["name"] != peer) continue;
      named_seen = true;
      if (!p["connected"].get<bool>()) add(fs + ": " + str(p["name"]) + " not connected");
      else if (p["link"] != "synced") add(fs + ": " + str(p["name"]) + " " + str(p["link"]));
      if (p["lag_records"].get<std::uint64_t>() > 0)
        add(fs + ": " + str(p["name"]) + " lags " + str(p["lag_records"]) + " records");
    }
  }
  if (!peer.empty() && !named_seen) add("no peer " + peer);
  return why;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"izoctl: status and control of a running lento"};
  app.require_subcommand(1);
  std::string control, sysid, fileset, peer, winner;
  bool as_json = false;
  std::uint64_t id = 0;
  double timeout = 60;
  app.add_option("--control", control, "lento's control socket");
  app.add_option("--sysid", sysid, "the lento to talk to, by sysid name (its socket is /run/intermezzo/SYSID.ctl)");
  app.add_flag("--json", as_json, "print lento's JSON answer");
  app.add_option("--fileset", fileset, "only this fileset");
  auto* status = app.add_subcommand("status", "peers, link states, permit holder, journal lengths, lag");
  auto* disconnect = app.add_subcommand("disconnect", "cut the link to PEER (a client: to its server) until reconnect");
  auto* reconnect = app.add_subcommand("reconnect", "let a link cut on purpose come back");
  for (auto* s : {disconnect, reconnect}) s->add_option("peer", peer, "the peer's sysid name (a server must name it)");
  auto* wait = app.add_subcommand(
      "wait", "wait until synced: every peer (or PEER) connected, link synced, whole journal acknowledged, no fetch in "
              "flight; exit 1 at the timeout, saying what is missing");
  wait->add_option("peer", peer, "only this peer's sysid name");
  wait->add_option("--timeout", timeout, "seconds (default 60)")->check(CLI::PositiveNumber);
  auto* conflicts = app.add_subcommand("conflicts", "list conflicts, show one, or resolve one");
  conflicts->require_subcommand(1);
  auto* list = conflicts->add_subcommand("list", "every conflict, open or resolved");
  auto* show = conflicts->add_subcommand("show", "one conflict in full");
  show->add_option("id", id, "the conflict's id")->required();
  auto* resolve = conflicts->add_subcommand("resolve", "decide a conflict waiting for a person");
  resolve->add_option("id", id, "the conflict's id")->required();
  resolve->add_option("--winner", winner, "the side that keeps the name: server or client")
      ->required()
      ->check(CLI::IsMember({"server", "client"}));
  CLI11_PARSE(app, argc, argv);
  if (control.empty()) {
    if (sysid.empty()) {
      std::fprintf(stderr, "izoctl: say which lento: --control PATH or --sysid NAME\n");
      return 64;
    }
    control = izo::lento::default_control_path(sysid).string();
  }
  json request;
  if (!fileset.empty()) request["fileset"] = fileset;
  if (status->parsed() || wait->parsed()) request["cmd"] = "status";
  if (disconnect->parsed()) request["cmd"] = "disconnect";
  if (reconnect->parsed()) request["cmd"] = "reconnect";
  if (!peer.empty() && (disconnect->parsed() || reconnect->parsed())) request["peer"] = peer;
  if (list->parsed() || show->parsed()) request["cmd"] = "conflicts";
  if (resolve->parsed()) {
    if (fileset.empty()) {
      std::fprintf(stderr, "izoctl: conflicts resolve needs --fileset\n");
      return 64;
    }
    request["cmd"] = "resolve";
    request["id"] = id;
    request["winner"] = winner;
  }
  if (wait->parsed()) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout);
    for (;;) {
      auto answer = ask(control, request);
      if (!answer) return 2;
      if (!answer->value("ok", false)) {
        std::fprintf(stderr, "izoctl: %s\n", answer->value("error", std::string("lento refused")).c_str());
        return 1;
      }
      const auto why = not_synced(*answer, peer);
      if (why.empty()) return 0;
      if (std::chrono::steady_clock::now() >= deadline) {
        std::fprintf(stderr, "izoctl: not synced after %g s: %s\n", timeout, why.c_str());
        return 1;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
  auto answer = ask(control, request);
  if (!answer) return 2;
  if (!answer->value("ok", false)) {
    std::fprintf(stderr, "izoctl: %s\n", answer->value("error", std::string("lento refused")).c_str());
    return 1;
  }
  if (as_json) {
    std::printf("%s\n", answer->dump(2).c_str());
    return 0;
  }
  if (status->parsed()) print_status(*answer);
  if (list->parsed()) print_conflicts((*answer)["conflicts"], std::nullopt);
  if (show->parsed()) {
    bool found = false;
    for (const auto& c : (*answer)["conflicts"]) found = found || c["id"].get<std::uint64_t>() == id;
    if (!found) {
      std::fprintf(stderr, "izoctl: no conflict %llu\n", static_cast<unsigned long long>(id));
      return 1;
    }
    print_conflicts((*answer)["conflicts"], id);
  }
  return 0;
}
