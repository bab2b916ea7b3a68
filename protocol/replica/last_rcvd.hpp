// The LastRcvd port: the counters that say how far this host is in sync with
// each peer, and what the engine must remember across a crash. They move only
// after what they cover is durable (DESIGN.md, contract 5).
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "kml/record.hpp"
#include "replica/conflict_info.hpp"

namespace izo::replica {

using HostId = std::uint64_t;

struct PeerCounters {
  // The next update to expect from the peer, in the numbering the peer's
  // updates carry (a server's KML recno for a client; a client's origin_recno
  // for a server). Everything before it is applied here and durable.
  std::uint64_t next_to_expect = 1;
  // The highest of this host's records the peer said it holds durably.
  std::uint64_t acked = 0;
  friend bool operator==(const PeerCounters&, const PeerCounters&) = default;
};

struct HeldConflict {
  std::uint64_t id = 0;
  std::string path;
  std::vector<kml::Record> remote;  // the peer's updates of it, not applied
  friend bool operator==(const HeldConflict&, const HeldConflict&) = default;
};

// A conflict this host's version won (client wins) that waits for the
// server's version to arrive in its conflict copy; once it has, this host's
// version is journaled again over the server's at the name.
struct AwaitedCopy {
  std::uint64_t id = 0;
  std::string path;
  Version remote;          // the server's version, fetched into the copy
  std::string copy_path;
  Version copy_version;    // the copy here while it is still empty
  friend bool operator==(const AwaitedCopy&, const AwaitedCopy&) = default;
};

struct LastRcvdState {
  std::map<HostId, PeerCounters> peers;
  // This host's journal is applied to the store and synced through here
  // (updates the engine journaled itself; recovery replays the rest).
  std::uint64_t store_synced_through = 0;
  // Own records replaced by a conflict resolution: sent as noops.
  std::set<std::uint64_t> superseded;
  // Conflicts waiting for a person (manual policy).
  std::vector<HeldConflict> quarantined;
  // Client-wins conflicts waiting for the server's copy.
  std::vector<AwaitedCopy> awaiting_copy;
  // Client: names whose state it takes from the server's description
  // (wire::Describe): 0 while asked, then the server's record it is as of.
  // Forwarded records up to there that touch the name are skipped.
  std::map<std::string, std::uint64_t> described;
  // The last conflicts resolved here (at most resolved_kept, oldest first),
  // so that they can still be listed after a restart.
  std::vector<ConflictInfo> resolved;
  static constexpr std::size_t resolved_kept = 100;
  std::uint64_t next_conflict_id = 1;
  friend bool operator==(const LastRcvdState&, const LastRcvdState&) = default;
};

// Every field, in a fixed order: equal texts mean equal states (the model
// checker fingerprints states with it).
std::string canonical_text(const LastRcvdState& state);

class LastRcvd {
 public:
  virtual ~LastRcvd() = default;
  virtual LastRcvdState load() const = 0;
  // Durable when it returns.
  virtual void persist(const LastRcvdState& state) = 0;
};

}  // namespace izo::replica
