#include "replica/last_rcvd.hpp"

#include "replica/canonical_text.hpp"

namespace izo::replica {

std::string canonical_text(const LastRcvdState& s) {
  std::string out = "last_rcvd";
  for (const auto& [peer, c] : s.peers)
    out += " peer=" + std::to_string(peer) + ":" + std::to_string(c.next_to_expect) + ":" + std::to_string(c.acked);
  out += " synced=" + std::to_string(s.store_synced_through) + " superseded=";
  for (auto r : s.superseded) out += std::to_string(r) + ",";
  for (const auto& h : s.quarantined) {
    out += " held=" + std::to_string(h.id) + ":" + h.path + ":";
    for (const auto& r : h.remote) append_record(out, r);
  }
  for (const auto& a : s.awaiting_copy)
    out += " awaiting=" + std::to_string(a.id) + ":" + a.path + "@" + to_string(a.remote) + ":" + a.copy_path + "@" +
           to_string(a.copy_version);
  for (const auto& [name, through] : s.described) out += " described=" + name + ":" + std::to_string(through);
  for (const auto& c : s.resolved) {
    out += " resolved=" + std::to_string(c.id) + ":" + c.path + ":" + to_string(c.local) + ":" + to_string(c.remote) +
           ":" + std::string(c.winner ? fsm::winner_name(*c.winner) : "none") + ":";
    for (const auto& k : c.kept) out += k + ",";
  }
  out += " next_conflict=" + std::to_string(s.next_conflict_id) + "\n";
  return out;
}

}  // namespace izo::replica
