#include "runtime/last_rcvd_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

#include "util/hex.hpp"

namespace izo::lento {
namespace {

using nlohmann::json;

void sync_fd_of(const std::filesystem::path& p, int flags) {
  const int fd = ::open(p.c_str(), flags | O_CLOEXEC);
  if (fd < 0) throw std::runtime_error("cannot open " + p.string() + ": " + std::strerror(errno));
  const int rc = ::fsync(fd);
  const int e = errno;
  ::close(fd);
  if (rc != 0) throw std::runtime_error("cannot sync " + p.string() + ": " + std::strerror(e));
}

}  // namespace

std::string LastRcvdFile::to_json(const replica::LastRcvdState& s) {
  json j;
  j["format"] = 1;
  j["store_synced_through"] = s.store_synced_through;
  j["next_conflict_id"] = s.next_conflict_id;
  json peers = json::array();
  for (const auto& [host, c] : s.peers)
    peers.push_back({{"host", host}, {"next_to_expect", c.next_to_expect}, {"acked", c.acked}});
  j["peers"] = peers;
  j["superseded"] = s.superseded;
  json held = json::array();
  for (const auto& q : s.quarantined) {
    json records = json::array();
    for (const auto& r : q.remote) {
      std::vector<std::uint8_t> b;
      if (!kml::encode(r, b)) throw std::runtime_error("a held conflict's record does not encode");
      records.push_back(to_hex(b));
    }
    held.push_back({{"id", q.id}, {"path", q.path}, {"remote", records}});
  }
  j["quarantined"] = held;
  json awaiting = json::array();
  for (const auto& a : s.awaiting_copy)
    awaiting.push_back({{"id", a.id},
                        {"path", a.path},
                        {"remote", {a.remote.host, a.remote.seq}},
                        {"copy_path", a.copy_path},
                        {"copy_version", {a.copy_version.host, a.copy_version.seq}}});
  j["awaiting_copy"] = awaiting;
  j["described"] = s.described;
  json resolved = json::array();
  for (const auto& c : s.resolved)
    resolved.push_back({{"id", c.id},
                        {"path", c.path},
                        {"reason", c.reason},
                        {"local", {c.local.host, c.local.seq}},
                        {"remote", {c.remote.host, c.remote.seq}},
                        {"winner", c.winner ? fsm::winner_name(*c.winner) : ""},
                        {"kept", c.kept}});
  j["resolved"] = resolved;
  return j.dump(1) + "\n";
}

Result<replica::LastRcvdState> LastRcvdFile::from_json(const std::string& text) {
  replica::LastRcvdState s;
  if (text.find_first_not_of(" \t\r\n") == std::string::npos) return s;  // a fresh fileset
  try {
    const json j = json::parse(text);
    if (j.at("format").get<int>() != 1) return Error{"unknown format " + j.at("format").dump(), 0};
    s.store_synced_through = j.at("store_synced_through").get<std::uint64_t>();
    s.next_conflict_id = j.at("next_conflict_id").get<std::uint64_t>();
    for (const auto& p : j.at("peers"))
      s.peers[p.at("host").get<std::uint64_t>()] =
          replica::PeerCounters{p.at("next_to_expect").get<std::uint64_t>(), p.at("acked").get<std::uint64_t>()};
    s.superseded = j.at("superseded").get<std::set<std::uint64_t>>();
    for (const auto& q : j.at("quarantined")) {
      replica::HeldConflict h;
      h.id = q.at("id").get<std::uint64_t>();
      h.path = q.at("path").get<std::string>();
      for (const auto& r : q.at("remote")) {
        auto bytes = from_hex(r.get<std::string>());
        if (!bytes) return Error{"conflict " + std::to_string(h.id) + ": " + bytes.error().message, 0};
        auto rec = kml::decode(*bytes);
        if (!rec) return Error{"conflict " + std::to_string(h.id) + ": " + rec.error().message, 0};
        h.remote.push_back(std::move(*rec));
      }
      s.quarantined.push_back(std::move(h));
    }
    auto version = [](const json& v) {
      return Version{v.at(0).get<std::uint64_t>(), v.at(1).get<std::uint64_t>()};
    };
    // Absent in files written before client-wins cases were kept here.
    if (j.contains("awaiting_copy")) {
      for (const auto& a : j.at("awaiting_copy"))
        s.awaiting_copy.push_back(replica::AwaitedCopy{a.at("id").get<std::uint64_t>(),
                                                       a.at("path").get<std::string>(), version(a.at("remote")),
                                                       a.at("copy_path").get<std::string>(),
                                                       version(a.at("copy_version"))});
    }
    // Absent in files written before describe existed.
    if (j.contains("described")) s.described = j.at("described").get<std::map<std::string, std::uint64_t>>();
    // Absent in files written before resolved conflicts were kept.
    if (j.contains("resolved"))
      for (const auto& c : j.at("resolved")) {
        replica::ConflictInfo info;
        info.id = c.at("id").get<std::uint64_t>();
        info.path = c.at("path").get<std::string>();
        info.reason = c.at("reason").get<std::string>();
        info.local = version(c.at("local"));
        info.remote = version(c.at("remote"));
        info.state = "resolved";
        const auto winner = c.at("winner").get<std::string>();
        info.winner = fsm::winner_from_name(winner);
        if (!info.winner && !winner.empty())
          return Error{"conflict " + std::to_string(info.id) + ": unknown winner '" + winner + "'", 0};
        info.kept = c.at("kept").get<std::vector<std::string>>();
        s.resolved.push_back(std::move(info));
      }
  } catch (const json::exception& e) {
    return Error{e.what(), 0};
  }
  return s;
}

Result<std::unique_ptr<LastRcvdFile>> LastRcvdFile::open(const std::filesystem::path& path) {
  std::unique_ptr<LastRcvdFile> f(new LastRcvdFile(path));
  std::ifstream in(path);
  if (!in) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0 && errno != EEXIST) return Error{"cannot create " + path.string() + ": " + std::strerror(errno), 0};
    if (fd >= 0) ::close(fd);
    return f;
  }
  std::stringstream text;
  text << in.rdbuf();
  auto state = from_json(text.str());
  if (!state) return Error{path.string() + ": " + state.error().message, 0};
  f->state_ = std::move(*state);
  return f;
}

void LastRcvdFile::persist(const replica::LastRcvdState& state) {
  const auto tmp = path_.string() + ".new";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << to_json(state);
    out.flush();
    if (!out) throw std::runtime_error("cannot write " + tmp);
  }
  sync_fd_of(tmp, O_RDONLY);
  if (::rename(tmp.c_str(), path_.c_str()) != 0)
    throw std::runtime_error("cannot rename " + tmp + " to " + path_.string() + ": " + std::strerror(errno));
  sync_fd_of(path_.parent_path(), O_RDONLY | O_DIRECTORY);
  state_ = state;
}

}  // namespace izo::lento
