// The replica engine: one fileset on one host, server or client. It decides
// everything and does no I/O. Events come in through the methods below; the
// local state it reads and changes goes through the ports (Store, Journal,
// LastRcvd); everything else it wants done goes out as effects, collected by
// take_effects(): messages to peers, data fetches, replies to Presto's permit
// upcalls, conflict reports, log lines. lento binds all of it to Asio and the
// real filesystem; model/ to a simulated world.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "fsm/conflict_case.hpp"
#include "replica/journal.hpp"
#include "replica/last_rcvd.hpp"
#include "replica/store.hpp"
#include "replica/version_rule.hpp"
#include "wire/messages.hpp"

namespace izo::replica {

enum class Role { server, client };
enum class Policy { server_wins, client_wins, manual };

std::string_view policy_name(Policy p);
std::optional<Policy> policy_from_name(std::string_view name);

// The conflict API: a tool or a script that decides conflicts. It is asked
// when a conflict is detected and answers with the side that keeps the name
// (the other version is kept under a conflict name), or nullopt to leave the
// object quarantined until Engine::resolve() is called.
class ConflictHandler {
 public:
  virtual ~ConflictHandler() = default;
  virtual std::optional<fsm::Winner> decide(const ConflictInfo& conflict) = 0;
};

struct Config {
  std::string fileset;
  HostId self = 0;
  std::string self_name;
  Role role = Role::client;
  HostId server = 0;                 // client: the fileset's server
  std::vector<HostId> replicators;   // server: the hosts that may replicate
  Policy policy = Policy::server_wins;
  std::shared_ptr<ConflictHandler> handler;  // when set, decides instead of `policy`
  // The version rule. Only the model checker's tests substitute a broken one,
  // to prove that the checker notices.
  std::function<Decision(const kml::Record&, const StoreView&, const std::set<Version>&)>
      version_rule = decide;
  std::size_t batch_records = 512;
};

struct Ports {
  Store& store;
  Journal& journal;
  LastRcvd& last_rcvd;
};


namespace effect {
struct Send { HostId to = 0; wire::Message message; };
// Fetch the content of `path` at `version` from `from`; when it has arrived
// (or failed) call data_arrived(id, ...). It is installed at install_path,
// whose object must then be at install_version. The token given to
// data_arrived stays valid until a Discard names it.
struct Fetch {
  std::uint64_t id = 0;
  HostId from = 0;
  std::string path;
  Version version;
  std::string install_path;
  Version install_version;
};
// upcall 0 tells Presto the permit it held is being taken back.
struct UpcallReply { std::uint64_t upcall = 0; bool granted = false; };
struct ConflictReport { ConflictInfo info; };
struct Log { bool error = false; std::string text; };
struct Drop { HostId peer = 0; std::string reason; };  // end this connection
// The content behind a data_arrived token is no longer needed.
struct Discard { std::string token; };
}  // namespace effect

// A fetch that ended: its id and the runtime's handle for the content, or
// nullopt (failed).
struct Arrival {
  std::uint64_t fetch = 0;
  std::optional<std::string> token;
};

using Effect = std::variant<effect::Send, effect::Fetch, effect::UpcallReply,
                            effect::ConflictReport, effect::Log, effect::Drop, effect::Discard>;

struct PeerStatus {
  HostId peer = 0;
  std::string link;  // the link machine's state
  PeerCounters counters;
};

struct Status {
  Role role = Role::client;
  std::string permit;                 // client: permit_client state; server: permit_server state
  std::optional<HostId> holder;       // server: who holds the permit
  std::vector<PeerStatus> peers;
  std::uint64_t journal_last = 0;
  std::uint64_t journal_durable = 0;
  std::vector<ConflictInfo> conflicts;  // open ones
  std::uint64_t conflicts_resolved = 0;  // since the engine started
  std::vector<ConflictInfo> resolved;   // the last ones resolved, kept across restarts
};

class Engine {
 public:
  // Loads last_rcvd, and replays this host's journal past the point the
  // store was synced through (crash recovery).
  Engine(Config config, Ports ports);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  void link_up(HostId peer);    // client: the connection to the server is up
  void link_down(HostId peer);  // any connection is gone
  void receive(HostId peer, const wire::Message& message);
  void journaled();             // Presto's local records moved journal.durable_recno()
  void need_permit(std::uint64_t upcall);  // Presto asks to update
  // Presto gave the permit back after UpcallReply{0}: no update is half made
  // and none will start until it asks again.
  void permit_returned();
  // A fetch ended: the runtime's handle for the content, or nullopt (failed).
  void data_arrived(std::uint64_t fetch, std::optional<std::string> token);
  // Several fetches ended: their contents are installed and made durable by
  // one Store::sync() before any is acted on. A runtime that gathers the
  // fetches ending close together pays one sync for all of them.
  void data_arrived(std::span<const Arrival> arrivals);
  // A person or a tool decides a quarantined conflict.
  std::optional<Error> resolve(std::uint64_t conflict, fsm::Winner winner);

  std::vector<Effect> take_effects();
  Status status() const;
  // Everything the engine holds in memory that decides what it does next
  // (machine states, counters, pending fetches, open conflicts, last_rcvd as
  // it stands), in a fixed order: the model checker fingerprints states with
  // it. Equal texts mean engines that act alike from here on.
  std::string canonical_state() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace izo::replica
