// A small deterministic world for scenario tests of the engine: one server
// and N clients in memory, messages through the real wire codec in FIFO
// order per direction, a simulated Presto on each host, crashes that lose
// what was not synced. (model/ grows the full simulator from the same parts.)
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "replica/engine.hpp"
#include "replica/memory_ports.hpp"
#include "replica/memory_store.hpp"

namespace izo::replica::testing {

// LastRcvd that can be told to die before its n-th persist (a crash between
// making data durable and recording that it is).
class CrashingLastRcvd final : public LastRcvd {
 public:
  struct Crash {};
  LastRcvdState load() const override { return state_; }
  void persist(const LastRcvdState& s) override;
  // The n-th persist from now throws Crash instead (0: never).
  void crash_at_persist(int n) { crash_in_ = n; }
  std::function<void(const LastRcvdState& before, const LastRcvdState& after)> on_persist;

 private:
  int crash_in_ = 0;
  LastRcvdState state_;
};

struct Host {
  HostId id = 0;
  std::string name;
  MemoryStore store;
  MemoryJournal journal;
  CrashingLastRcvd last_rcvd;
  std::unique_ptr<Engine> engine;
  bool permit = false;  // Presto's cached permit
  std::map<std::uint64_t, bool> answers;
  std::vector<ConflictInfo> conflict_reports;
  std::vector<std::string> log;
  int tokens_held = 0;  // content tokens given to the engine and not yet discarded
  // Each data_arrived call: how many fetches it carried and how many times
  // the store synced during it.
  struct FetchBatch {
    std::size_t arrivals = 0, syncs = 0;
  };
  std::vector<FetchBatch> fetch_batches;
  explicit Host(HostId h, std::string n) : id(h), name(std::move(n)), journal(h) {}
};

class MiniWorld {
 public:
  MiniWorld(int clients, Policy policy = Policy::server_wins,
            std::shared_ptr<ConflictHandler> handler = nullptr);
  // Hosts with given ids (versions and records name their hosts: a world
  // rebuilt from captured KMLs must use the ids they carry).
  MiniWorld(HostId server, const std::vector<HostId>& clients, Policy policy = Policy::server_wins,
            std::shared_ptr<ConflictHandler> handler = nullptr);

  Host& server() { return *hosts_.at(0); }
  Host& client(int i) { return *hosts_.at(static_cast<std::size_t>(i) + 1); }
  int clients() const { return static_cast<int>(hosts_.size()) - 1; }

  void connect(int client);     // link up, hello exchanged when run() delivers
  void disconnect(int client);  // both ends see the link go; queued messages are lost
  bool linked(int client) const { return links_.at(static_cast<std::size_t>(client)); }

  // Delivers messages and fetches until nothing moves (bounded); returns steps.
  int run(int max_steps = 100000);
  // Delivers at most one message or fetch; false when nothing is queued.
  bool step();
  // When set, a fetch step hands a host every fetch queued for it in one
  // data_arrived call (as lento gathers the fetches that end together).
  bool fetches_together = false;

  // Presto on `h`: take the permit if needed (running the world until it is
  // answered), then make the update, journal it durably and tell lento.
  bool write(Host& h, const std::string& path, const std::string& content);
  bool mkdir(Host& h, const std::string& path);
  bool unlink(Host& h, const std::string& path);
  bool rmdir(Host& h, const std::string& path);
  bool rename(Host& h, const std::string& from, const std::string& to);

  // Presto on `h` asks for the permit without waiting; returns the upcall id
  // (its answer lands in h.answers).
  std::uint64_t request_permit(Host& h);

  // A person resolves a quarantined conflict on `h` (izoctl).
  std::optional<Error> resolve(Host& h, std::uint64_t conflict, fsm::Winner winner);

  // The host dies: what was not synced is lost, its engine is rebuilt from
  // durable state, and its links are down.
  void crash(Host& h);
  // The host's engine starts again from its ports as they are (a world set
  // up by hand: store, journal and last_rcvd filled, then the engine reads
  // them). Nothing is lost if everything was synced.
  void restart(Host& h) { crash(h); }

  // Messages waiting from `from` to `to`.
  std::size_t queued(HostId from, HostId to) const;
  std::vector<std::string> trace;  // one line per delivered message and per engine log line
  std::vector<std::string> errors() const;  // error log lines of every host

 private:
  struct InFlight {
    HostId from, to;
    std::vector<std::uint8_t> payload;  // an encoded message
  };
  struct FetchJob {
    HostId host;
    effect::Fetch fetch;
  };

  Host& host(HostId id);
  bool is_server(const Host& h) const { return h.id == hosts_.front()->id; }
  int index_of(HostId id) const;
  void build_engine(Host& h);
  void collect(Host& h);
  std::optional<std::string> fetched(Host& h, const effect::Fetch& fetch);
  bool ask_permit(Host& h);
  bool local_update(Host& h, kml::Record r, const std::string* content = nullptr);

  std::vector<std::unique_ptr<Host>> hosts_;
  std::vector<bool> links_;
  std::deque<InFlight> wire_;
  std::deque<FetchJob> fetches_;
  Policy policy_;
  std::shared_ptr<ConflictHandler> handler_;
  std::uint64_t next_upcall_ = 1;
};

}  // namespace izo::replica::testing
