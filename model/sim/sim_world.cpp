#include "sim/sim_world.hpp"

#include <algorithm>
#include <utility>

#include "replica/testing/presto_sim.hpp"
#include "sim/sim_node.hpp"

namespace izo::model {

using replica::HostId;
namespace effect = replica::effect;

SimWorld::SimWorld(SimConfig config) : cfg_(std::move(config)), rng_(cfg_.seed, cfg_.tape) {
  nodes_.push_back(std::make_unique<Node>(100, "S", true));
  for (int i = 0; i < cfg_.clients; ++i)
    nodes_.push_back(std::make_unique<Node>(static_cast<HostId>(101 + i),
                                            std::string(1, static_cast<char>('A' + i)), false));
  links_.assign(static_cast<std::size_t>(cfg_.clients), false);
  queues_.resize(static_cast<std::size_t>(cfg_.clients) * 2);
  for (auto& n : nodes_) build_engine(*n);
  for (int i = 0; i < cfg_.clients; ++i) heal(i);
}

SimWorld::~SimWorld() = default;

void SimWorld::note(std::string line) {
  if (!cfg_.trace) return;
  trace_.push_back(std::to_string(stats_.steps) + ": " + std::move(line));
  if (trace_.size() > 20000) trace_.pop_front();
}

std::vector<std::string> SimWorld::trace_tail(std::size_t n) const {
  const std::size_t from = trace_.size() > n ? trace_.size() - n : 0;
  return {trace_.begin() + static_cast<std::ptrdiff_t>(from), trace_.end()};
}

SimWorld::Node& SimWorld::node(HostId id) { return *nodes_.at(id - 100); }
int SimWorld::client_index(HostId id) const { return static_cast<int>(id) - 101; }
bool SimWorld::linked(int c) const { return links_.at(static_cast<std::size_t>(c)); }

void SimWorld::build_engine(Node& n) {
  replica::Config c;
  c.fileset = "sim";
  c.self = n.id;
  c.self_name = n.name;
  c.policy = cfg_.policy;
  c.batch_records = 4;
  if (n.server) {
    c.role = replica::Role::server;
    for (int i = 0; i < cfg_.clients; ++i) c.replicators.push_back(static_cast<HostId>(101 + i));
  } else {
    c.role = replica::Role::client;
    c.server = 100;
  }
  if (cfg_.bugs.skip_version_check)
    c.version_rule = [](const kml::Record& r, const replica::StoreView&, const std::set<Version>&) {
      return replica::Decision{replica::Verdict::apply, r.path, "version check skipped"};
    };
  replica::Store& store = cfg_.bugs.disk_lies_about_sync ? static_cast<replica::Store&>(n.lying)
                                                         : static_cast<replica::Store&>(n.store);
  n.engine = std::make_unique<replica::Engine>(c, replica::Ports{store, n.journal, n.last_rcvd});
  collect(n);
}

void SimWorld::collect(Node& n) {
  if (!n.engine) return;
  bool returned = false;
  for (auto& e : n.engine->take_effects()) {
    std::visit(
        [&](auto& x) {
          using E = std::decay_t<decltype(x)>;
          if constexpr (std::is_same_v<E, effect::Send>) {
            const int c = n.server ? client_index(x.to) : client_index(n.id);
            if (c < 0 || !linked(c)) return;
            Packet p{n.id, x.to, {}};
            wire::encode_message(x.message, p.bytes);
            queues_[static_cast<std::size_t>(2 * c + (n.server ? 1 : 0))].push_back(std::move(p));
          } else if constexpr (std::is_same_v<E, effect::Fetch>) {
            fetches_.push_back({n.id, x});
          } else if constexpr (std::is_same_v<E, effect::UpcallReply>) {
            if (x.upcall == 0) {
              n.permit = false;  // this Presto makes updates whole: nothing is half made
              returned = true;
            } else if (x.upcall == n.waiting_upcall) {
              n.waiting_upcall = 0;
              n.permit = x.granted;
              auto op = std::move(n.waiting);
              n.waiting.reset();
              if (x.granted && op) {
                do_op(n, *op);
              } else {
                ++stats_.ops_refused;
              }
            }
          } else if constexpr (std::is_same_v<E, effect::ConflictReport>) {
            if (x.info.state == "detected") ++stats_.conflicts;
            if (x.info.state == "resolved") ++stats_.resolved;
            note(n.name + " conflict " + std::to_string(x.info.id) + " " + x.info.path + ": " +
                 x.info.state + " (" + x.info.reason + ")");
          } else if constexpr (std::is_same_v<E, effect::Log>) {
            if (x.error) note(n.name + " error: " + x.text);
          } else if constexpr (std::is_same_v<E, effect::Drop>) {
            const int c = n.server ? client_index(x.peer) : client_index(n.id);
            note(n.name + " drops " + std::to_string(x.peer) + ": " + x.reason);
            if (!violation_) violation_ = Violation{"no protocol errors", n.name + " dropped a peer: " + x.reason};
            if (c >= 0) cut(c, "dropped");
          } else if constexpr (std::is_same_v<E, effect::Discard>) {
            // The token is the content itself: nothing to free.
          }
        },
        e);
  }
  if (returned && n.engine) {
    n.engine->permit_returned();
    collect(n);
  }
}

namespace {

// A message in the trace: its kind and what it carries.
std::string message_text(const wire::Message& message) {
  const wire::Message* m = &message;
  std::string detail;
  if (auto* r = std::get_if<wire::ReintegrateReply>(m)) {
    detail = " status=" + std::to_string(static_cast<int>(r->status)) + " through=" +
             std::to_string(r->applied_through) +
             (r->reason.empty() ? "" : " " + (r->conflict_path.empty() ? "" : r->conflict_path + ": ") + r->reason);
  } else if (auto* u = std::get_if<wire::UpdateNotify>(m)) {
    for (const auto& rec : u->records) detail += " #" + std::to_string(rec.recno) + ":" + std::string(kml::op_name(rec.op)) + ":" + rec.path;
  } else if (auto* d = std::get_if<wire::Describe>(m)) {
    for (const auto& n : d->names) detail += " " + n.path;
  } else if (auto* dr = std::get_if<wire::DescribeReply>(m)) {
    detail = " through=" + std::to_string(dr->through);
    for (const auto& rec : dr->records) detail += " " + std::string(kml::op_name(rec.op)) + ":" + rec.path + ":" + to_string(rec.obj_new);
  } else if (auto* g = std::get_if<wire::Reintegrate>(m)) {
    for (const auto& rec : g->records) detail += " #" + std::to_string(rec.origin_recno) + ":" + std::string(kml::op_name(rec.op)) + ":" + rec.path;
  }
  return std::string(wire::kind_name(wire::kind_of(message))) + detail;
}

}  // namespace

void SimWorld::deliver_packet(std::size_t q) {
  Packet p = std::move(queues_[q].front());
  queues_[q].pop_front();
  Node& to = node(p.to);
  auto m = wire::decode_message(p.bytes);
  if (!m) {
    violation_ = Violation{"messages decode", m.error().message};
    return;
  }
  ++stats_.messages;
  if (cfg_.trace) note(node(p.from).name + "->" + to.name + " " + message_text(*m));
  to.engine->receive(p.from, *m);
  collect(to);
}

void SimWorld::deliver_fetch(std::size_t index) {
  FetchJob job = std::move(fetches_[index]);
  fetches_.erase(fetches_.begin() + static_cast<std::ptrdiff_t>(index));
  Node& n = node(job.host);
  if (!n.engine) return;
  const int c = n.server ? client_index(job.fetch.from) : client_index(n.id);
  std::optional<std::string> data;
  Node& src = node(job.fetch.from);
  if (c >= 0 && linked(c) && src.up) {
    const auto obj = src.store.lookup(job.fetch.path);
    if (obj && obj->version == job.fetch.version) data = src.store.content(job.fetch.path);
  }
  ++stats_.fetches;
  note(n.name + " fetched " + job.fetch.path + " " + to_string(job.fetch.version) + " from " + src.name +
       (data ? "" : " (failed)"));
  n.engine->data_arrived(job.fetch.id, data);
  collect(n);
}

bool SimWorld::deliver_any() {
  std::vector<std::size_t> ready;
  for (std::size_t q = 0; q < queues_.size(); ++q)
    if (!queues_[q].empty()) ready.push_back(q);
  const std::size_t choices = ready.size() + (fetches_.empty() ? 0 : 1);
  if (choices == 0) return false;
  const auto pick = rng_.below(choices);
  if (pick < ready.size()) {
    deliver_packet(ready[pick]);
  } else {
    deliver_fetch(0);
  }
  return true;
}

void SimWorld::note_replaced(const Node& n, const std::string& path, Version version) {
  replaced_.insert(version);
  if (auto seen = n.store.content(path)) {
    replaced_content_.insert(*seen);
    return;
  }
  // Not fetched here yet: the writer replaced it all the same (a whole-file
  // write needs no old content), and a version's content is the same on
  // every node that has it.
  for (const auto& other : nodes_) {
    const auto obj = other->store.lookup(path);
    if (!obj || obj->version != version) continue;
    if (auto seen = other->store.content(path)) {
      replaced_content_.insert(*seen);
      return;
    }
  }
}

void SimWorld::local_update(Node& n, kml::Record r, const std::string* content) {
  if (r.obj_old.exists()) note_replaced(n, r.path, r.obj_old);
  auto done = replica::testing::presto_update(n.store, n.journal, n.id, std::move(r), content);
  if (!done) {
    note(n.name + " op refused by its store: " + done.error().message);
    return;
  }
  if (done->op == kml::Op::close) writes_.push_back({*content, done->obj_new, n.name});
  n.engine->journaled();
  collect(n);
}

void SimWorld::do_op(Node& n, const FileOp& op) {
  const auto obj = n.store.lookup(op.path);
  ++stats_.ops;
  // A connected node writes only under the permit (a disconnected one under
  // its optimistic local permit).
  if (!n.permit && !violation_) {
    bool connected = n.server;
    if (!n.server) {
      const auto link = n.engine->status().peers.at(0).link;
      connected = link != "disconnected" && link != "connecting";
    }
    if (connected)
      violation_ = Violation{"at most one permit holder among connected nodes",
                             n.name + " updates " + op.path + " without the permit while connected"};
  }
  switch (op.kind) {
    case FileOp::write: {
      const auto slash = op.path.rfind('/');
      if (slash != std::string::npos && !n.store.lookup(op.path.substr(0, slash))) return;
      if (obj && obj->type != replica::ObjType::file) return;
      if (!obj) {
        kml::Record c;
        c.op = kml::Op::create;
        c.path = op.path;
        c.attrs.mode = 0100644;
        local_update(n, c, nullptr);
      }
      const auto now = n.store.lookup(op.path);
      if (!now) return;
      kml::Record close;
      close.op = kml::Op::close;
      close.path = op.path;
      close.obj_old = now->version;
      close.attrs.valid = IZO_ATTR_SIZE;
      close.attrs.size = op.content.size();
      note(n.name + " writes " + op.path + " = " + op.content);
      local_update(n, close, &op.content);
      return;
    }
    case FileOp::unlink: {
      if (!obj || obj->type != replica::ObjType::file) return;
      kml::Record r;
      r.op = kml::Op::unlink;
      r.path = op.path;
      r.obj_old = obj->version;
      note(n.name + " unlinks " + op.path);
      local_update(n, r, nullptr);
      return;
    }
    case FileOp::rename: {
      if (!obj || obj->type != replica::ObjType::file) return;
      const auto target = n.store.lookup(op.path2);
      if (target && target->type != replica::ObjType::file) return;
      kml::Record r;
      r.op = kml::Op::rename;
      r.path = op.path;
      r.path2 = op.path2;
      r.obj_old = obj->version;
      if (target) {
        r.target_old = target->version;
        note_replaced(n, op.path2, target->version);
      }
      note(n.name + " renames " + op.path + " -> " + op.path2);
      local_update(n, r, nullptr);
      return;
    }
    case FileOp::mkdir: {
      if (obj) return;
      kml::Record r;
      r.op = kml::Op::mkdir;
      r.path = op.path;
      r.attrs.mode = 040755;
      note(n.name + " mkdir " + op.path);
      local_update(n, r, nullptr);
      return;
    }
  }
}

void SimWorld::start_op(Node& n, FileOp op) {
  if (n.permit || cfg_.bugs.presto_ignores_permit) return do_op(n, op);
  n.waiting = std::move(op);
  n.waiting_upcall = n.next_upcall++;
  n.engine->need_permit(n.waiting_upcall);
  collect(n);
}

void SimWorld::random_op() {
  Node& n = *nodes_[rng_.below(nodes_.size())];
  if (!n.up || n.waiting) return;
  auto name = [&] {
    const auto f = "f" + std::to_string(rng_.below(static_cast<std::uint64_t>(cfg_.files)));
    return rng_.chance(25) ? "d/" + f : f;
  };
  FileOp op;
  const auto kind = rng_.below(10);
  if (kind < 6) {
    op.kind = FileOp::write;
    op.path = name();
    op.content = n.name + "#" + std::to_string(next_content_++);
  } else if (kind < 7) {
    op.kind = FileOp::unlink;
    op.path = name();
  } else if (kind < 9) {
    op.kind = FileOp::rename;
    op.path = name();
    op.path2 = name();
    if (op.path == op.path2) return;
  } else {
    op.kind = FileOp::mkdir;
    op.path = "d";
  }
  start_op(n, std::move(op));
}

void SimWorld::cut(int c, const std::string& why) {
  if (!linked(c)) return;
  links_[static_cast<std::size_t>(c)] = false;
  queues_[static_cast<std::size_t>(2 * c)].clear();
  queues_[static_cast<std::size_t>(2 * c + 1)].clear();
  ++stats_.cuts;
  Node& client = *nodes_[static_cast<std::size_t>(c) + 1];
  note("link " + client.name + " cut (" + why + ")");
  if (client.engine) {
    client.engine->link_down(100);
    collect(client);
  }
  if (nodes_[0]->engine) {
    nodes_[0]->engine->link_down(client.id);
    collect(*nodes_[0]);
  }
}

void SimWorld::heal(int c) {
  Node& client = *nodes_[static_cast<std::size_t>(c) + 1];
  if (linked(c) || !client.up || !nodes_[0]->up) return;
  links_[static_cast<std::size_t>(c)] = true;
  note("link " + client.name + " up");
  client.engine->link_up(100);
  collect(client);
}

void SimWorld::crash(Node& n) {
  if (!n.up) return;
  ++stats_.crashes;
  note(n.name + " crashes");
  if (n.server) {
    for (int c = 0; c < cfg_.clients; ++c) cut(c, "server crash");
  } else {
    cut(client_index(n.id), "client crash");
  }
  std::erase_if(fetches_, [&](const FetchJob& f) { return f.host == n.id; });
  n.engine.reset();
  n.store.crash();
  n.journal.crash();
  n.up = false;
  n.permit = false;
  n.waiting.reset();
  n.waiting_upcall = 0;
}

void SimWorld::restart(Node& n) {
  if (n.up) return;
  n.up = true;
  note(n.name + " restarts");
  build_engine(n);
}

void SimWorld::restart_and_heal(Node& n) {
  restart(n);
  if (n.server)
    for (int i = 0; i < cfg_.clients; ++i) heal(i);
  else
    heal(client_index(n.id));
}

void SimWorld::random_fault() {
  const auto c = static_cast<int>(rng_.below(static_cast<std::uint64_t>(cfg_.clients)));
  const auto what = rng_.below(4);
  if (what == 0 && cfg_.partitions) {
    if (cfg_.max_cuts >= 0 && stats_.cuts >= static_cast<std::uint64_t>(cfg_.max_cuts)) return;
    return cut(c, "partition");
  }
  if (what == 1) return heal(c);
  Node& n = *nodes_[rng_.below(nodes_.size())];
  if (what == 2 && cfg_.crashes) {
    if (cfg_.max_crashes >= 0 && stats_.crashes >= static_cast<std::uint64_t>(cfg_.max_crashes)) return;
    return crash(n);
  }
  if (what == 3) restart_and_heal(n);
}

void SimWorld::heartbeat() {
  for (int c = 0; c < cfg_.clients; ++c) {
    if (!linked(c)) continue;
    Packet to_client{100, static_cast<HostId>(101 + c), {}};
    wire::encode_message(wire::Heartbeat{stats_.steps}, to_client.bytes);
    queues_[static_cast<std::size_t>(2 * c + 1)].push_back(std::move(to_client));
    Packet to_server{static_cast<HostId>(101 + c), 100, {}};
    wire::encode_message(wire::Heartbeat{stats_.steps}, to_server.bytes);
    queues_[static_cast<std::size_t>(2 * c)].push_back(std::move(to_server));
  }
}

void SimWorld::step() {
  ++stats_.steps;
  const auto roll = rng_.below(100);
  if (roll < cfg_.fault_percent) {
    random_fault();
  } else if (roll < cfg_.fault_percent + cfg_.op_percent) {
    random_op();
  } else if (!deliver_any()) {
    random_op();
  }
  check_step();
}

void SimWorld::check_step() {
  if (violation_) return;
  int writers = 0;
  std::string who;
  for (auto& n : nodes_) {
    if (!n->up || !n->permit) continue;
    bool connected = n->server;
    if (!n->server) {
      const auto st = n->engine->status();
      connected = st.peers.at(0).link != "disconnected" && st.peers.at(0).link != "connecting";
    }
    if (connected) {
      ++writers;
      who += n->name + " ";
    }
  }
  if (writers > 1) violation_ = Violation{"at most one permit holder among connected nodes", who + "may write"};
  for (auto& n : nodes_)
    if (auto bad = n->store.inconsistency(); bad && !violation_)
      violation_ = Violation{"stores agree with themselves", n->name + ": " + *bad};
  for (auto& n : nodes_)
    if (n->last_rcvd.problem && !violation_)
      violation_ = Violation{"last_rcvd counters monotonic and never ahead of durable state",
                             n->name + ": " + *n->last_rcvd.problem};
}

void SimWorld::quiesce() {
  note("heal everything");
  for (auto& n : nodes_) restart(*n);
  for (int c = 0; c < cfg_.clients; ++c) heal(c);
  for (int round = 0; round < 40 && !violation_; ++round) {
    int moved = 0;
    while (moved < 200000 && deliver_any()) {
      ++moved;
      ++stats_.steps;
      check_step();
      if (violation_) return;
    }
    // Open manual conflicts are decided by "a person": the server's version.
    bool decided = false;
    for (auto& n : nodes_) {
      for (const auto& c : n->engine->status().conflicts) {
        if (c.state == "quarantined") {
          note(n->name + " resolves conflict " + std::to_string(c.id) + " for the server");
          (void)n->engine->resolve(c.id, fsm::Winner::server);
          collect(*n);
          decided = true;
        }
      }
    }
    if (!decided && moved == 0 && round > 0) return;
    heartbeat();
  }
}

std::optional<Violation> SimWorld::check_end() {
  const std::string server = nodes_[0]->store.dump();
  for (std::size_t i = 1; i < nodes_.size(); ++i) {
    if (nodes_[i]->store.dump() != server)
      return Violation{"convergence", nodes_[i]->name + " differs from S:\n" + nodes_[i]->store.dump() +
                                          "--- S:\n" + server};
  }
  if (server.find("data=missing") != std::string::npos)
    return Violation{"convergence", "content still missing at quiescence:\n" + server};
  for (const auto& w : writes_) {
    const bool present = server.find(":" + w.content + "\n") != std::string::npos;
    // Replaced knowingly: by an update of the version it was written as,
    // or of whatever version a conflict resolution carried it over in.
    if (!present && !replaced_.contains(w.version) && !replaced_content_.contains(w.content))
      return Violation{"no acknowledged update is lost",
                       w.by + " wrote \"" + w.content + "\" (" + to_string(w.version) +
                           ") and it is nowhere, and no later update replaced it knowingly"};
  }
  for (auto& n : nodes_) {
    const auto st = n->engine->status();
    if (!st.conflicts.empty()) {
      std::string open;
      for (const auto& c : st.conflicts)
        open += "\n  conflict " + std::to_string(c.id) + " on " + c.path + " in state " + c.state + ": " + c.reason;
      return Violation{"conflicts resolved at quiescence", n->name + " has open conflicts:" + open};
    }
  }
  return std::nullopt;
}

std::optional<Violation> SimWorld::run() {
  note("seed " + std::to_string(cfg_.seed));
  for (int i = 0; i < cfg_.steps && !violation_; ++i) step();
  return finish();
}

std::string SimWorld::final_state() const {
  std::string out;
  for (const auto& n : nodes_) {
    out += "== " + n->name + (n->up ? "" : " (down)");
    if (n->engine) {
      const auto st = n->engine->status();
      out += " permit=" + st.permit + (st.holder ? " holder=" + std::to_string(*st.holder) : "") +
             " journal=" + std::to_string(st.journal_last) + "/" + std::to_string(st.journal_durable) +
             " presto_permit=" + (n->permit ? "yes" : "no") + (n->waiting ? " op-waiting" : "");
      for (const auto& p : st.peers)
        out += " [" + std::to_string(p.peer) + " " + p.link + " expect=" +
               std::to_string(p.counters.next_to_expect) + " acked=" + std::to_string(p.counters.acked) + "]";
    }
    out += "\n" + n->store.dump();
  }
  return out;
}

std::vector<std::pair<std::string, std::vector<kml::Record>>> SimWorld::journals() const {
  std::vector<std::pair<std::string, std::vector<kml::Record>>> out;
  for (const auto& n : nodes_) out.emplace_back(n->name, n->journal.read(1, SIZE_MAX));
  return out;
}

}  // namespace izo::model
