#include "conflicts/reconnect.hpp"

#include <set>
#include <stdexcept>
#include <sstream>

#include "replica/testing/mini_world.hpp"

namespace izo::replay::conflicts {
namespace {

using replica::testing::Host;
using replica::testing::MiniWorld;

// Messages and fetches a reconnection may take before it counts as stalled:
// a few per record (MiniWorld's batches are of 8 records) and then some.
int max_steps(const Divergence& d) { return 2000 + 20 * static_cast<int>(d.server.size() + d.client.size()); }

// Presto made this update here; an error names the record.
std::optional<Error> put(Host& h, const Divergence& d, const kml::Record& r, const char* side) {
  if (auto e = apply_as_made(h.store, d, r))
    return Error{std::string(side) + " KML record " + std::to_string(r.recno) + " (" +
                     std::string(kml::op_name(r.op)) + " " + r.path + ") cannot be applied to build the " +
                     h.name + "'s tree: " + e->message,
                 0};
  return std::nullopt;
}

// The host starts from its disk as filled: last_rcvd says how far it had
// the peer's updates and that its store holds its whole journal.
void start_from_disk(MiniWorld& w, Host& h, HostId peer, std::uint64_t expect_through, std::uint64_t acked) {
  h.store.sync();
  h.journal.sync();
  replica::LastRcvdState st;
  st.peers[peer].next_to_expect = expect_through + 1;
  st.peers[peer].acked = acked;
  st.store_synced_through = h.journal.last_recno();
  h.last_rcvd.persist(st);
  w.restart(h);
}

// Each file content a side made during the split must be somewhere after.
std::vector<std::string> lost_contents(const Reconnection& r) {
  std::set<std::string> held;
  for (const Tree* t : {&r.server_after, &r.client_after})
    for (const auto& [path, e] : *t)
      if (e.content) held.insert(*e.content);
  std::vector<std::string> lost;
  for (const auto& [side, tree] : {std::pair{"server", &r.server_before}, std::pair{"client", &r.client_before}})
    for (const auto& [path, e] : *tree) {
      if (!e.content) continue;
      const auto before = r.common.find(path);
      if (before != r.common.end() && before->second == e) continue;  // not changed during the split
      if (!held.contains(*e.content))
        lost.push_back(std::string("the ") + side + "'s " + path + " (" + describe(e) + ") is in no replica after");
    }
  return lost;
}

}  // namespace

Result<ReconnectionWorld> prepare_reconnection(const Divergence& d, replica::Policy policy) {
  if (auto e = check(d)) return *e;
  ReconnectionWorld out;
  out.world = std::make_unique<MiniWorld>(d.server_id, std::vector<HostId>{d.client_id}, policy);
  MiniWorld& w = *out.world;
  Host& server = w.server();
  Host& client = w.client(0);

  for (const auto& r : d.server) {
    if (auto e = put(server, d, r, "server")) return *e;
    server.journal.append(r);
  }
  // The client: the server's updates it had, its own the server had not
  // sent back to it (the common tree), then its own the server never got.
  std::uint64_t own_applied = 0;
  for (std::size_t i = 0; i < d.server_through; ++i) {
    const auto& r = d.server[i];
    if (auto e = put(client, d, r, "server")) return *e;
    if (r.origin == d.client_id) own_applied = r.origin_recno;
  }
  for (const auto& r : d.client) {
    if (r.recno == d.client_through + 1) out.common = snapshot(client.store);
    if (r.recno > own_applied)
      if (auto e = put(client, d, r, "client")) return *e;
    client.journal.append(r);
  }
  if (d.client_through == d.client.size()) out.common = snapshot(client.store);

  start_from_disk(w, server, d.client_id, d.client_through, d.server_through);
  start_from_disk(w, client, d.server_id, d.server_through, d.client_through);
  out.server_before = snapshot(server.store);
  out.client_before = snapshot(client.store);
  return out;
}

std::size_t settle(MiniWorld& w, const Divergence& d, replica::Policy policy, std::vector<std::string>& errors) {
  std::size_t resolved_by_hand = 0;
  w.run(max_steps(d));
  // Manual: a person resolves every quarantined conflict for the server,
  // again while resolutions bring new ones (a bounded number of rounds).
  for (int round = 0; policy == replica::Policy::manual && round < 8; ++round) {
    std::size_t resolved = 0;
    for (Host* h : {&w.server(), &w.client(0)})
      for (const auto& c : h->engine->status().conflicts) {
        if (auto e = w.resolve(*h, c.id, fsm::Winner::server))
          errors.push_back(h->name + ": resolving conflict " + std::to_string(c.id) + ": " + e->message);
        ++resolved;
      }
    if (resolved == 0) break;
    resolved_by_hand += resolved;
    w.run(max_steps(d));
  }
  return resolved_by_hand;
}

std::string first_difference(const std::string& server_dump, const std::string& client_dump) {
  std::istringstream ia(server_dump), ib(client_dump);
  std::string la, lb;
  while (true) {
    const bool ga = static_cast<bool>(std::getline(ia, la));
    const bool gb = static_cast<bool>(std::getline(ib, lb));
    if (!ga && !gb) return {};
    if (!ga || !gb || la != lb)
      return "server: " + (ga ? la : std::string("(nothing)")) + " | client: " + (gb ? lb : std::string("(nothing)"));
  }
}

Result<Reconnection> reconnect(const Divergence& d, replica::Policy policy) {
  auto prepared = prepare_reconnection(d, policy);
  if (!prepared) return prepared.error();
  MiniWorld& w = *prepared->world;
  Host& server = w.server();
  Host& client = w.client(0);
  Reconnection out;
  out.common = std::move(prepared->common);
  out.server_before = std::move(prepared->server_before);
  out.client_before = std::move(prepared->client_before);

  w.connect(0);
  const auto keep_record = [&] {
    out.trace = w.trace;
    out.logs.clear();
    for (Host* h : {&server, &client})
      for (const auto& l : h->log) out.logs.push_back(h->name + ": " + l);
  };
  // A reconnection that never goes quiet is a finding, not a crash of the
  // tool: it is reported with the messages that keep going round.
  try {
    out.resolved_by_hand = settle(w, d, policy, out.errors);
  } catch (const std::runtime_error& e) {
    out.stalled = e.what();
    keep_record();
    return out;
  }
  for (Host* h : {&server, &client})
    for (const auto& c : h->conflict_reports) out.conflicts.push_back({h->name, c.path, c.reason});
  out.server_after = snapshot(server.store);
  out.client_after = snapshot(client.store);
  out.difference = first_difference(server.store.dump(), client.store.dump());
  out.converged = out.difference.empty();
  out.lost = lost_contents(out);
  for (auto& e : w.errors()) out.errors.push_back(std::move(e));
  keep_record();
  return out;
}

}  // namespace izo::replay::conflicts
