// The simulated world driven move by move (the explorer and the
// property-based runs), and its canonical text (the explorer's fingerprint).
#include <algorithm>
#include <tuple>

#include "replica/canonical_text.hpp"
#include "sim/sim_node.hpp"
#include "sim/sim_world.hpp"

namespace izo::model {

bool SimWorld::node_up(int node) const { return nodes_.at(static_cast<std::size_t>(node))->up; }

bool SimWorld::node_busy(int node) const { return nodes_.at(static_cast<std::size_t>(node))->waiting.has_value(); }

std::vector<Move> SimWorld::deliveries() const {
  std::vector<Move> out;
  for (std::size_t q = 0; q < queues_.size(); ++q)
    if (!queues_[q].empty()) out.push_back(Move{Move::deliver, static_cast<int>(q), {}});
  for (std::size_t f = 0; f < fetches_.size(); ++f) out.push_back(Move{Move::fetch, static_cast<int>(f), {}});
  return out;
}

bool SimWorld::possible(const Move& m) const {
  const auto who = static_cast<std::size_t>(m.who);
  if (m.who < 0) return false;
  const bool node_ok = who < nodes_.size();
  const bool client_ok = m.who < cfg_.clients;
  switch (m.kind) {
    case Move::deliver: return who < queues_.size() && !queues_[who].empty();
    case Move::fetch: return who < fetches_.size();
    case Move::op: return node_ok && nodes_[who]->up && !nodes_[who]->waiting;
    case Move::cut: return client_ok && linked(m.who);
    case Move::heal: return client_ok && !linked(m.who) && nodes_[who + 1]->up && nodes_[0]->up;
    case Move::crash: return node_ok && nodes_[who]->up;
    case Move::restart: return node_ok && !nodes_[who]->up;
  }
  return false;
}

bool SimWorld::apply(const Move& m) {
  if (!possible(m)) return false;
  ++stats_.steps;
  const auto who = static_cast<std::size_t>(m.who);
  switch (m.kind) {
    case Move::deliver: deliver_packet(who); break;
    case Move::fetch: deliver_fetch(who); break;
    case Move::op: start_op(*nodes_[who], m.file); break;
    case Move::cut: cut(m.who, "partition"); break;
    case Move::heal: heal(m.who); break;
    case Move::crash: crash(*nodes_[who]); break;
    case Move::restart: restart_and_heal(*nodes_[who]); break;
  }
  check_step();
  return true;
}

std::optional<Violation> SimWorld::finish() {
  if (!violation_) quiesce();
  if (violation_) return violation_;
  return check_end();
}

std::string SimWorld::canonical_state() const {
  std::string out;
  for (const auto& n : nodes_) {
    out += "node " + n->name + (n->up ? " up" : " down") + (n->permit ? " permit" : "") +
           " upcall=" + std::to_string(n->waiting_upcall) + "/" + std::to_string(n->next_upcall);
    if (n->waiting) out += " waiting=" + to_text(Move{Move::op, 0, *n->waiting});
    out += "\n";
    if (n->engine) out += n->engine->canonical_state();
    out += n->store.canonical_state();
    out += n->journal.canonical_state();
    out += "durable " + replica::canonical_text(n->last_rcvd.load());
    if (n->last_rcvd.problem) out += "problem " + *n->last_rcvd.problem + "\n";
  }
  for (std::size_t c = 0; c < links_.size(); ++c) out += links_[c] ? "link up\n" : "link cut\n";
  for (std::size_t q = 0; q < queues_.size(); ++q) {
    out += "queue " + std::to_string(q) + ":";
    for (const auto& p : queues_[q]) {
      out.append(p.bytes.begin(), p.bytes.end());
      out += '|';
    }
    out += "\n";
  }
  for (const auto& f : fetches_)
    out += "fetch " + std::to_string(f.host) + " " + std::to_string(f.fetch.id) + " " + f.fetch.path + "@" +
           to_string(f.fetch.version) + " from " + std::to_string(f.fetch.from) + " -> " + f.fetch.install_path +
           "@" + to_string(f.fetch.install_version) + "\n";
  // The oracle: which writes were acknowledged (in any order) and which
  // versions and contents were knowingly replaced.
  std::vector<std::tuple<std::string, std::string, std::string>> writes;
  for (const auto& w : writes_) writes.emplace_back(w.content, to_string(w.version), w.by);
  std::sort(writes.begin(), writes.end());
  for (const auto& [content, version, by] : writes) out += "wrote " + content + "@" + version + " by " + by + "\n";
  for (const auto& v : replaced_) out += "replaced " + to_string(v) + "\n";
  for (const auto& c : replaced_content_) out += "replaced content " + c + "\n";
  if (violation_) out += "violation " + violation_->property + "\n";
  return out;
}

}  // namespace izo::model
