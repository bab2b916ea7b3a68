// The counters rule (DESIGN.md, contract 5) as the engine tests and the
// simulator check it on every persist of last_rcvd: next_to_expect never
// goes back, and never moves while the store or the journal holds changes
// not yet durable.
#pragma once

#include <optional>
#include <string>

#include "replica/last_rcvd.hpp"
#include "replica/memory_ports.hpp"
#include "replica/memory_store.hpp"

namespace izo::replica::testing {

inline bool unsynced(const MemoryStore& store, const MemoryJournal& journal) {
  return store.dirty() || journal.durable_recno() != journal.last_recno();
}

// What persisting `after` over `before` breaks, if anything.
inline std::optional<std::string> counter_problem(const LastRcvdState& before, const LastRcvdState& after,
                                                  bool changes_unsynced) {
  for (const auto& [peer, c] : after.peers) {
    auto it = before.peers.find(peer);
    const std::uint64_t old = it == before.peers.end() ? 1 : it->second.next_to_expect;
    if (c.next_to_expect < old)
      return "next_to_expect for host " + std::to_string(peer) + " went back from " + std::to_string(old) +
             " to " + std::to_string(c.next_to_expect);
    if (c.next_to_expect > old && changes_unsynced)
      return "next_to_expect for host " + std::to_string(peer) + " moved to " + std::to_string(c.next_to_expect) +
             " over changes not yet durable";
  }
  return std::nullopt;
}

}  // namespace izo::replica::testing
