#include "runtime/last_rcvd_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

#include "posix/write_all.hpp"
#include "util/bytes.hpp"
#include "util/crc32c.hpp"
#include "util/hex.hpp"

namespace izo::lento {
namespace {

using nlohmann::json;

constexpr char kMagic[] = "IZLRSLOT";  // 8 bytes, no terminator on disk
constexpr std::size_t kHeader = 32;
constexpr std::uint64_t kMinSlot = 4096;

std::uint8_t* at_byte(std::string& b, std::size_t at) { return reinterpret_cast<std::uint8_t*>(b.data()) + at; }
const std::uint8_t* at_byte(const std::string& b, std::size_t at) {
  return reinterpret_cast<const std::uint8_t*>(b.data()) + at;
}

// Sequence and length (16 bytes from the slot's offset 8), then the payload.
std::uint32_t slot_crc(const std::string& b, std::size_t at, std::uint64_t len) {
  return crc32c_extend(crc32c_extend(0, at_byte(b, at + 8), 16), at_byte(b, at + kHeader),
                       static_cast<std::size_t>(len));
}

// A slot's bytes: header and payload.
std::string make_slot(std::uint64_t seq, const std::string& payload) {
  std::string b(kHeader, '\0');
  b.replace(0, 8, kMagic, 8);
  put_le<std::uint64_t>(at_byte(b, 8), seq);
  put_le<std::uint64_t>(at_byte(b, 16), payload.size());
  b += payload;
  put_le<std::uint32_t>(at_byte(b, 24), slot_crc(b, 0, payload.size()));
  return b;
}

// The sequence number and payload of the slot at `at` of `bytes`, if it is whole.
std::optional<std::pair<std::uint64_t, std::string>> read_slot(const std::string& bytes, std::size_t at,
                                                               std::uint64_t size) {
  if (bytes.compare(at, 8, kMagic, 8) != 0) return std::nullopt;
  const auto len = get_le<std::uint64_t>(at_byte(bytes, at + 16));
  if (len > size - kHeader || get_le<std::uint32_t>(at_byte(bytes, at + 24)) != slot_crc(bytes, at, len))
    return std::nullopt;
  return std::make_pair(get_le<std::uint64_t>(at_byte(bytes, at + 8)),
                        bytes.substr(at + kHeader, static_cast<std::size_t>(len)));
}

void pwrite_whole(int fd, const std::string& b, std::uint64_t at, const std::string& what) {
  if (const int e = posix::pwrite_all(fd, b.data(), b.size(), at); e != 0)
    throw std::runtime_error("cannot write " + what + ": " + std::strerror(e));
}

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

LastRcvdFile::~LastRcvdFile() {
  if (fd_ >= 0) ::close(fd_);
}

std::optional<Error> LastRcvdFile::read_slots(const std::string& bytes) {
  const std::uint64_t size = bytes.size() / 2;
  if (bytes.size() % 2 != 0 || size < kMinSlot || size % kMinSlot != 0)
    return Error{"a size of " + std::to_string(bytes.size()) + " bytes is not two slots", 0};
  std::optional<std::pair<std::uint64_t, std::string>> best;
  for (std::size_t k = 0; k < 2; ++k) {
    auto slot = read_slot(bytes, static_cast<std::size_t>(k * size), size);
    if (slot && (!best || slot->first > best->first)) best = std::move(slot);
  }
  if (!best) return Error{"neither of its two copies is whole (both torn or damaged)", 0};
  auto state = from_json(best->second);
  if (!state) return Error{"copy " + std::to_string(best->first) + ": " + state.error().message, 0};
  state_ = std::move(*state);
  slot_size_ = size;
  seq_ = best->first;
  return std::nullopt;
}

Result<std::unique_ptr<LastRcvdFile>> LastRcvdFile::open(const std::filesystem::path& path) {
  std::unique_ptr<LastRcvdFile> f(new LastRcvdFile(path));
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0 && errno != EEXIST) return Error{"cannot create " + path.string() + ": " + std::strerror(errno), 0};
    if (fd >= 0) ::close(fd);
    return f;
  }
  std::stringstream text;
  text << in.rdbuf();
  const std::string bytes = text.str();
  const auto first = bytes.find_first_not_of(" \t\r\n");
  if (first == std::string::npos || bytes[first] == '{') {
    // Empty (a fresh fileset) or the older whole-JSON form: the first
    // persist writes the slots.
    auto state = from_json(bytes);
    if (!state) return Error{path.string() + ": " + state.error().message, 0};
    f->state_ = std::move(*state);
    return f;
  }
  if (auto bad = f->read_slots(bytes)) return Error{path.string() + ": " + bad->message, 0};
  f->fd_ = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
  if (f->fd_ < 0) return Error{"cannot open " + path.string() + ": " + std::strerror(errno), 0};
  return f;
}

void LastRcvdFile::rewrite(const std::string& slot) {
  std::uint64_t size = kMinSlot;
  while (size < 2 * slot.size()) size *= 2;
  const auto tmp = path_.string() + ".new";
  const int fd = ::open(tmp.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) throw std::runtime_error("cannot make " + tmp + ": " + std::strerror(errno));
  try {
    // Both slots written in full, zeros after the state: later slot writes
    // then allocate nothing.
    std::string whole(static_cast<std::size_t>(2 * size), '\0');
    const auto at = static_cast<std::size_t>((seq_ + 1) % 2 * size);
    whole.replace(at, slot.size(), slot);
    pwrite_whole(fd, whole, 0, tmp);
    if (::fsync(fd) != 0) throw std::runtime_error("cannot sync " + tmp + ": " + std::strerror(errno));
    if (::rename(tmp.c_str(), path_.c_str()) != 0)
      throw std::runtime_error("cannot rename " + tmp + " to " + path_.string() + ": " + std::strerror(errno));
    sync_fd_of(path_.parent_path(), O_RDONLY | O_DIRECTORY);
  } catch (...) {
    ::close(fd);
    throw;
  }
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
  slot_size_ = size;
}

void LastRcvdFile::persist(const replica::LastRcvdState& state) {
  const std::string slot = make_slot(seq_ + 1, to_json(state));
  if (fd_ < 0 || slot.size() > slot_size_) {
    rewrite(slot);
  } else {
    pwrite_whole(fd_, slot, (seq_ + 1) % 2 * slot_size_, path_.string());
    if (::fdatasync(fd_) != 0) throw std::runtime_error("cannot sync " + path_.string() + ": " + std::strerror(errno));
  }
  ++seq_;
  state_ = state;
}

}  // namespace izo::lento
