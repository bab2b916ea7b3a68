// The simulated world: one server and N clients, each running the unchanged
// replica engine over in-memory disks that lose what was not synced, links
// that can be cut and healed, nodes that crash and restart, and a workload of
// file operations made by a simulated Presto. Every choice comes from one
// seeded generator, so a seed names a run. Properties are checked after every
// step and at quiescence.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "replica/engine.hpp"
#include "replica/memory_ports.hpp"
#include "replica/memory_store.hpp"
#include "sim/move.hpp"
#include "sim/rng.hpp"

namespace izo::model {

struct SimConfig {
  std::uint64_t seed = 1;
  int clients = 2;
  int steps = 300;                 // random steps before everything is healed
  replica::Policy policy = replica::Policy::server_wins;
  unsigned op_percent = 25;        // a step is a file operation
  unsigned fault_percent = 4;      // a step is a fault: cut, heal, crash, restart
  bool crashes = true;
  bool partitions = true;
  int max_cuts = -1;               // link cuts allowed in the random phase (-1: any)
  int max_crashes = -1;            // crashes allowed in the random phase (-1: any)
  int files = 3;                   // names the workload uses
  bool trace = true;                // keep the trace (trace_tail); off when only speed matters
  // Choices taken from these bytes before the seeded generator's (fuzzing).
  std::vector<std::uint8_t> tape;

  // Broken components, substituted only to prove that the checker finds them.
  struct Bugs {
    bool skip_version_check = false;     // every incoming update applies
    bool disk_lies_about_sync = false;   // sync() returns, nothing is durable
    bool presto_ignores_permit = false;  // the filter writes without a permit
  } bugs;
};

struct SimStats {
  std::uint64_t steps = 0, messages = 0, fetches = 0, ops = 0, ops_refused = 0;
  std::uint64_t cuts = 0, crashes = 0, conflicts = 0, resolved = 0;
};

struct Violation {
  std::string property;
  std::string detail;
};

class SimWorld {
 public:
  explicit SimWorld(SimConfig config);
  ~SimWorld();

  // The random phase, then heal, restart and run to quiescence.
  std::optional<Violation> run();

  // Driven step by step instead (the explorer, the property-based runs).
  // apply() makes one move if it is possible now (false if not: an empty
  // queue, a node down or busy, a link already cut) and checks the step
  // properties; finish() heals everything, runs to quiescence and checks
  // the end properties.
  std::vector<Move> deliveries() const;  // every message and fetch that could complete now
  bool possible(const Move& move) const;
  bool apply(const Move& move);
  std::optional<Violation> finish();
  const std::optional<Violation>& violation() const { return violation_; }
  int node_count() const { return static_cast<int>(nodes_.size()); }
  bool node_up(int node) const;
  bool node_busy(int node) const;  // an operation waits for the permit
  bool link_up(int client) const { return linked(client); }
  // A canonical text of the whole world: every node's engine, disk (live
  // and durable), journal and last_rcvd, the links, the messages and
  // fetches in flight, and what the oracle knows. Equal texts mean worlds
  // that act alike from here on (the explorer's state fingerprint).
  std::string canonical_state() const;

  const SimStats& stats() const { return stats_; }
  // The last n lines of the run's trace (what happened, step by step).
  std::vector<std::string> trace_tail(std::size_t n) const;
  // A canonical text of every replica at the end.
  std::string final_state() const;
  // Each node's name and the records of its journal (KML), in order.
  std::vector<std::pair<std::string, std::vector<kml::Record>>> journals() const;

 private:
  struct Node;
  struct Packet {
    replica::HostId from = 0, to = 0;
    std::vector<std::uint8_t> bytes;
  };
  struct FetchJob {
    replica::HostId host = 0;
    replica::effect::Fetch fetch;
  };
  struct WriteRecord {
    std::string content;
    Version version;
    std::string by;
  };

  Node& node(replica::HostId id);
  int client_index(replica::HostId id) const;  // -1 for the server
  bool linked(int client) const;
  void note(std::string line);

  void build_engine(Node& n);
  void collect(Node& n);
  void step();
  bool deliver_any();
  void deliver_packet(std::size_t queue);
  void deliver_fetch(std::size_t job);
  void random_op();
  void random_fault();
  void start_op(Node& n, FileOp op);
  void do_op(Node& n, const FileOp& op);
  void local_update(Node& n, kml::Record r, const std::string* content);
  // The oracle's record that an update on n replaced `path` at `version`
  // knowingly. Its content counts as replaced too, read from whichever node
  // holds that version's content (n may not have fetched it yet).
  void note_replaced(const Node& n, const std::string& path, Version version);
  void cut(int client, const std::string& why);
  void heal(int client);
  void crash(Node& n);
  void restart(Node& n);
  void restart_and_heal(Node& n);  // its links come up with it
  void heartbeat();
  void quiesce();

  void check_step();
  std::optional<Violation> check_end();

  SimConfig cfg_;
  Rng rng_;
  SimStats stats_;
  std::vector<std::unique_ptr<Node>> nodes_;  // [0] is the server
  std::vector<bool> links_;
  std::vector<std::deque<Packet>> queues_;    // 2 per client: [2i] to server, [2i+1] from it
  std::deque<FetchJob> fetches_;
  std::deque<std::string> trace_;
  std::uint64_t next_content_ = 1;
  std::vector<WriteRecord> writes_;
  std::set<Version> replaced_;  // versions some later update knowingly replaced
  std::set<std::string> replaced_content_;  // contents seen when replaced
  std::optional<Violation> violation_;
};

}  // namespace izo::model
