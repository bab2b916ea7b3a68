#include "replica/testing/mini_world.hpp"

#include <stdexcept>

#include "replica/testing/presto_sim.hpp"

namespace izo::replica::testing {

void CrashingLastRcvd::persist(const LastRcvdState& s) {
  if (crash_in_ > 0 && --crash_in_ == 0) throw Crash{};
  if (on_persist) on_persist(state_, s);
  state_ = s;
}

namespace {
std::vector<HostId> numbered_clients(int n) {
  std::vector<HostId> ids;
  for (int i = 0; i < n; ++i) ids.push_back(static_cast<HostId>(101 + i));
  return ids;
}
}  // namespace

MiniWorld::MiniWorld(int clients, Policy policy, std::shared_ptr<ConflictHandler> handler)
    : MiniWorld(100, numbered_clients(clients), policy, std::move(handler)) {}

MiniWorld::MiniWorld(HostId server, const std::vector<HostId>& clients, Policy policy,
                     std::shared_ptr<ConflictHandler> handler)
    : policy_(policy), handler_(std::move(handler)) {
  hosts_.push_back(std::make_unique<Host>(server, "server"));
  for (std::size_t i = 0; i < clients.size(); ++i)
    hosts_.push_back(std::make_unique<Host>(clients[i], "client" + std::string(1, static_cast<char>('A' + i))));
  links_.assign(clients.size(), false);
  for (auto& h : hosts_) build_engine(*h);
}

void MiniWorld::build_engine(Host& h) {
  Config c;
  c.fileset = "shared";
  c.self = h.id;
  c.self_name = h.name;
  c.policy = policy_;
  c.handler = handler_;
  c.batch_records = 8;
  if (is_server(h)) {
    c.role = Role::server;
    for (std::size_t i = 1; i < hosts_.size(); ++i) c.replicators.push_back(hosts_[i]->id);
  } else {
    c.role = Role::client;
    c.server = server().id;
  }
  h.engine.reset();
  h.engine = std::make_unique<Engine>(c, Ports{h.store, h.journal, h.last_rcvd});
  collect(h);
}

Host& MiniWorld::host(HostId id) { return *hosts_.at(static_cast<std::size_t>(index_of(id))); }

int MiniWorld::index_of(HostId id) const {
  for (std::size_t i = 0; i < hosts_.size(); ++i)
    if (hosts_[i]->id == id) return static_cast<int>(i);
  throw std::out_of_range("no host " + std::to_string(id));
}

void MiniWorld::collect(Host& h) {
  bool returned = false;
  for (auto& e : h.engine->take_effects()) {
    std::visit(
        [&](auto& x) {
          using E = std::decay_t<decltype(x)>;
          if constexpr (std::is_same_v<E, effect::Send>) {
            const int to = index_of(x.to);
            const int client = (is_server(h) ? to : index_of(h.id)) - 1;
            if (client < 0 || !links_[static_cast<std::size_t>(client)]) return;  // no connection: lost
            InFlight m{h.id, x.to, {}};
            wire::encode_message(x.message, m.payload);
            wire_.push_back(std::move(m));
          } else if constexpr (std::is_same_v<E, effect::Fetch>) {
            fetches_.push_back({h.id, x});
          } else if constexpr (std::is_same_v<E, effect::UpcallReply>) {
            if (x.upcall == 0) {
              h.permit = false;
              returned = true;
            } else {
              h.answers[x.upcall] = x.granted;
            }
          } else if constexpr (std::is_same_v<E, effect::ConflictReport>) {
            h.conflict_reports.push_back(x.info);
          } else if constexpr (std::is_same_v<E, effect::Log>) {
            h.log.push_back((x.error ? "error: " : "") + x.text);
            trace.push_back(h.name + ": " + h.log.back());
          } else if constexpr (std::is_same_v<E, effect::Drop>) {
            h.log.push_back("error: drop " + std::to_string(x.peer) + ": " + x.reason);
            trace.push_back(h.name + ": " + h.log.back());
            const int peer = index_of(x.peer);
            disconnect((is_server(h) ? peer : index_of(h.id)) - 1);
          } else if constexpr (std::is_same_v<E, effect::Discard>) {
            --h.tokens_held;
          }
        },
        e);
  }
  if (returned) {
    h.engine->permit_returned();
    collect(h);
  }
}

void MiniWorld::connect(int client) {
  links_.at(static_cast<std::size_t>(client)) = true;
  Host& c = this->client(client);
  c.engine->link_up(server().id);
  collect(c);
}

void MiniWorld::disconnect(int client) {
  if (!links_.at(static_cast<std::size_t>(client))) return;
  links_[static_cast<std::size_t>(client)] = false;
  Host& c = this->client(client);
  std::erase_if(wire_, [&](const InFlight& m) { return m.from == c.id || m.to == c.id; });
  for (auto [h, peer] : {std::pair{&c, server().id}, std::pair{&server(), c.id}})
    if (h->engine) {  // none while a crashed host restarts
      h->engine->link_down(peer);
      collect(*h);
    }
}

bool MiniWorld::step() {
  if (!wire_.empty()) {
    InFlight m = std::move(wire_.front());
    wire_.pop_front();
    auto decoded = wire::decode_message(m.payload);
    Host& to = host(m.to);
    if (!decoded) {
      to.log.push_back("error: undecodable message: " + decoded.error().message);
      trace.push_back(to.name + ": " + to.log.back());
      return true;
    }
    trace.push_back(host(m.from).name + " -> " + to.name + ": " +
                    std::string(wire::kind_name(wire::kind_of(*decoded))));
    to.engine->receive(m.from, *decoded);
    collect(to);
    return true;
  }
  if (!fetches_.empty()) {
    const HostId to = fetches_.front().host;
    Host& h = host(to);
    std::vector<Arrival> arrivals;
    for (auto it = fetches_.begin(); it != fetches_.end();) {
      if (it->host != to || (!arrivals.empty() && !fetches_together)) {
        ++it;
        continue;
      }
      arrivals.push_back(Arrival{it->fetch.id, fetched(h, it->fetch)});
      if (arrivals.back().token) ++h.tokens_held;
      it = fetches_.erase(it);
    }
    const auto syncs_before = h.store.syncs();
    h.engine->data_arrived(arrivals);
    h.fetch_batches.push_back({arrivals.size(), h.store.syncs() - syncs_before});
    collect(h);
    return true;
  }
  return false;
}

// The content a fetch gets: the source's object at the version asked, if the
// link between the two is up.
std::optional<std::string> MiniWorld::fetched(Host& h, const effect::Fetch& fetch) {
  const int src = index_of(fetch.from);
  const int client = (is_server(h) ? src : index_of(h.id)) - 1;
  if (client < 0 || !links_[static_cast<std::size_t>(client)]) return std::nullopt;
  Host& from = host(fetch.from);
  const auto obj = from.store.lookup(fetch.path);
  if (!obj || obj->version != fetch.version) return std::nullopt;
  return from.store.content(fetch.path);
}

int MiniWorld::run(int max_steps) {
  int n = 0;
  while (n < max_steps && step()) ++n;
  if (n == max_steps) throw std::runtime_error("MiniWorld: no quiescence after " + std::to_string(n) + " steps");
  return n;
}

std::uint64_t MiniWorld::request_permit(Host& h) {
  const auto id = next_upcall_++;
  h.engine->need_permit(id);
  collect(h);
  return id;
}

bool MiniWorld::ask_permit(Host& h) {
  if (h.permit) return true;
  const auto id = next_upcall_++;
  h.engine->need_permit(id);
  collect(h);
  for (int i = 0; i < 100000 && !h.answers.contains(id); ++i)
    if (!step()) break;
  auto it = h.answers.find(id);
  h.permit = it != h.answers.end() && it->second;
  return h.permit;
}

bool MiniWorld::local_update(Host& h, kml::Record r, const std::string* content) {
  if (!ask_permit(h)) return false;
  auto done = presto_update(h.store, h.journal, h.id, std::move(r), content);
  if (!done) throw std::runtime_error(done.error().message);
  h.engine->journaled();
  collect(h);
  return true;
}

bool MiniWorld::write(Host& h, const std::string& path, const std::string& content) {
  if (!h.store.lookup(path) && !local_update(h, create_record(path))) return false;
  return local_update(h, *close_record(h.store, path, content.size()), &content);
}

bool MiniWorld::mkdir(Host& h, const std::string& path) { return local_update(h, mkdir_record(path)); }

bool MiniWorld::unlink(Host& h, const std::string& path) {
  return local_update(h, *unlink_record(h.store, path));
}

bool MiniWorld::rmdir(Host& h, const std::string& path) {
  return local_update(h, *rmdir_record(h.store, path));
}

bool MiniWorld::rename(Host& h, const std::string& from, const std::string& to) {
  return local_update(h, *rename_record(h.store, from, to));
}

std::optional<Error> MiniWorld::resolve(Host& h, std::uint64_t conflict, fsm::Winner winner) {
  auto e = h.engine->resolve(conflict, winner);
  collect(h);
  return e;
}

void MiniWorld::crash(Host& h) {
  // The engine stops where it was: what it had not done yet (effects not
  // collected, its own handling of the lost links) never happens.
  h.engine.reset();
  if (is_server(h)) {
    for (int i = 0; i < clients(); ++i) disconnect(i);
  } else {
    disconnect(index_of(h.id) - 1);
  }
  std::erase_if(fetches_, [&](const FetchJob& f) { return f.host == h.id; });  // died with it
  h.store.crash();
  h.journal.crash();
  h.permit = false;
  h.tokens_held = 0;  // the runtime's fetched content goes with it
  build_engine(h);
}

std::size_t MiniWorld::queued(HostId from, HostId to) const {
  std::size_t n = 0;
  for (const auto& m : wire_) n += m.from == from && m.to == to;
  return n;
}

std::vector<std::string> MiniWorld::errors() const {
  std::vector<std::string> out;
  for (const auto& h : hosts_)
    for (const auto& l : h->log)
      if (l.rfind("error: ", 0) == 0) out.push_back(h->name + ": " + l);
  return out;
}

}  // namespace izo::replica::testing
