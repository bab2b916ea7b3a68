// A simulated host: its disk, journal and last_rcvd (which checks the
// counter rules on every persist), its engine, and its Presto's state.
// Private to the simulator's sources.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "replica/engine.hpp"
#include "replica/memory_ports.hpp"
#include "replica/memory_store.hpp"
#include "replica/testing/durability_rule.hpp"
#include "sim/sim_world.hpp"

namespace izo::model {

using replica::HostId;

// LastRcvd that checks the counter rules on every persist.
class CheckedLastRcvd final : public replica::LastRcvd {
 public:
  CheckedLastRcvd(const replica::MemoryStore& store, const replica::MemoryJournal& journal)
      : store_(store), journal_(journal) {}
  replica::LastRcvdState load() const override { return state_; }
  void persist(const replica::LastRcvdState& next) override {
    if (!problem) problem = replica::testing::counter_problem(state_, next, replica::testing::unsynced(store_, journal_));
    state_ = next;
  }
  std::optional<std::string> problem;

 private:
  const replica::MemoryStore& store_;
  const replica::MemoryJournal& journal_;
  replica::LastRcvdState state_;
};

// A disk that says yes to sync() and makes nothing durable (a seeded bug).
class LyingStore final : public replica::Store {
 public:
  explicit LyingStore(replica::MemoryStore& real) : real_(real) {}
  std::optional<replica::ObjectInfo> lookup(std::string_view p) const override { return real_.lookup(p); }
  bool has_entries(std::string_view d) const override { return real_.has_entries(d); }
  std::vector<std::string> entries(std::string_view d) const override { return real_.entries(d); }
  bool same_content(std::string_view a, std::string_view b) const override { return real_.same_content(a, b); }
  std::optional<Error> apply(const kml::Record& r, replica::Origin o) override { return real_.apply(r, o); }
  std::optional<Error> force(const kml::Record& r) override { return real_.force(r); }
  std::optional<Error> copy(std::string_view a, std::string_view b) override { return real_.copy(a, b); }
  void install_data(std::string_view p, const Version& v, std::string_view t) override {
    real_.install_data(p, v, t);
  }
  std::vector<std::pair<std::string, Version>> missing_data() const override { return real_.missing_data(); }
  void sync() override {}

 private:
  replica::MemoryStore& real_;
};

struct SimWorld::Node {
  Node(HostId h, std::string n, bool srv) : id(h), name(std::move(n)), server(srv), journal(h), last_rcvd(store, journal) {}
  HostId id;
  std::string name;
  bool server;
  replica::MemoryStore store;
  replica::MemoryJournal journal;
  CheckedLastRcvd last_rcvd;
  LyingStore lying{store};
  std::unique_ptr<replica::Engine> engine;
  bool up = true;
  bool permit = false;  // Presto's cached permit
  std::optional<FileOp> waiting;
  std::uint64_t waiting_upcall = 0;
  std::uint64_t next_upcall = 1;
};

}  // namespace izo::model
