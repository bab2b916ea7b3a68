// Each machine driven through its table with recording fakes for its actions.
#include <gtest/gtest.h>

#include "fsm/machines.hpp"

namespace izo::fsm {
namespace {

struct FakePermitClient : PermitClientActions {
  bool up = true;
  int waiting = 0;
  std::vector<std::string> calls;
  bool connected() const override { return up; }
  void send_get_permit() override { calls.push_back("get_permit"); }
  void send_release(std::uint64_t epoch) override { calls.push_back("release " + std::to_string(epoch)); }
  void start_flush() override { calls.push_back("flush"); }
  void answer_waiters(bool granted) override {
    calls.push_back(granted ? "grant waiters" : "refuse waiters");
    waiting = 0;
  }
  bool waiters() const override { return waiting > 0; }
  void revoke() override { calls.push_back("revoke"); }
};

namespace pc = permit_client_events;

TEST(PermitClientMachine, ConnectedWriterWaitsForTheGrant) {
  FakePermitClient a;
  PermitClient m(a);
  EXPECT_EQ(m.state(), "none");
  a.waiting = 1;
  EXPECT_FALSE(m.process(pc::Need{}));
  EXPECT_EQ(m.state(), "requesting");
  EXPECT_FALSE(m.may_write());
  EXPECT_FALSE(m.process(pc::Need{}));  // a second writer queues too
  EXPECT_FALSE(m.process(pc::Returned{}));  // late answer to an earlier revoke: ignored
  EXPECT_FALSE(m.process(pc::Granted{7}));
  EXPECT_EQ(m.state(), "held");
  EXPECT_TRUE(m.may_write());
  EXPECT_EQ(m.epoch(), 7u);
  EXPECT_EQ(a.calls, (std::vector<std::string>{"get_permit", "grant waiters"}));
  EXPECT_FALSE(m.process(pc::Returned{}));  // a late answer to an earlier revoke
  EXPECT_FALSE(m.process(pc::Need{}));  // held: answered at once
  EXPECT_FALSE(m.process(pc::Granted{7}));  // duplicate grant ignored
  EXPECT_EQ(a.calls.back(), "grant waiters");
}

TEST(PermitClientMachine, HolderFlushesBeforeItReleases) {
  FakePermitClient a;
  PermitClient m(a);
  m.process(pc::Need{});
  m.process(pc::Granted{3});
  EXPECT_FALSE(m.process(pc::Break{2}));  // stale break: ignored
  EXPECT_EQ(m.state(), "held");
  EXPECT_FALSE(m.process(pc::Break{3}));
  EXPECT_EQ(m.state(), "releasing");
  EXPECT_FALSE(m.may_write());
  EXPECT_EQ(a.calls.back(), "revoke");  // Presto first gives it back
  EXPECT_FALSE(m.process(pc::Returned{}));
  EXPECT_EQ(a.calls.back(), "flush");
  EXPECT_FALSE(m.process(pc::Need{}));   // waits until the release is through
  EXPECT_FALSE(m.process(pc::Break{3}));  // repeated break while releasing
  EXPECT_FALSE(m.process(pc::Flushed{}));
  EXPECT_EQ(m.state(), "none");
  EXPECT_EQ(a.calls.back(), "release 3");
}

TEST(PermitClientMachine, WritersWaitingDuringReleaseAskAgain) {
  FakePermitClient a;
  PermitClient m(a);
  m.process(pc::Need{});
  m.process(pc::Granted{1});
  m.process(pc::Break{1});
  m.process(pc::Returned{});
  a.waiting = 1;
  m.process(pc::Need{});
  EXPECT_FALSE(m.process(pc::Flushed{}));
  EXPECT_EQ(m.state(), "requesting");
  EXPECT_EQ(a.calls[a.calls.size() - 2], "release 1");
  EXPECT_EQ(a.calls.back(), "get_permit");
}

TEST(PermitClientMachine, RefusalFailsTheWaitingWriters) {
  FakePermitClient a;
  PermitClient m(a);
  m.process(pc::Need{});
  EXPECT_FALSE(m.process(pc::Denied{}));
  EXPECT_EQ(m.state(), "none");
  EXPECT_EQ(a.calls.back(), "refuse waiters");
}

TEST(PermitClientMachine, DisconnectedWriterGetsALocalOptimisticPermit) {
  FakePermitClient a;
  a.up = false;
  PermitClient m(a);
  EXPECT_FALSE(m.process(pc::LinkDown{}));
  EXPECT_FALSE(m.process(pc::Need{}));
  EXPECT_EQ(m.state(), "optimistic");
  EXPECT_TRUE(m.may_write());
  EXPECT_FALSE(m.process(pc::Need{}));
  EXPECT_FALSE(m.process(pc::LinkDown{}));
  EXPECT_FALSE(m.process(pc::Returned{}));  // Presto confirms; nothing else to do
  EXPECT_FALSE(m.process(pc::LinkUp{}));
  EXPECT_EQ(m.state(), "none");  // must be acquired again
  EXPECT_EQ(a.calls.back(), "revoke");
  EXPECT_FALSE(m.process(pc::Returned{}));
  EXPECT_FALSE(m.process(pc::LinkUp{}));
}

TEST(PermitClientMachine, LosingTheLinkInAnyPermitStateGoesOptimistic) {
  for (int start = 0; start < 3; ++start) {
    FakePermitClient a;
    PermitClient m(a);
    m.process(pc::Need{});
    if (start >= 1) m.process(pc::Granted{1});
    if (start >= 2) m.process(pc::Break{1});
    EXPECT_FALSE(m.process(pc::LinkDown{}));
    EXPECT_EQ(m.state(), "optimistic") << start;
  }
}

TEST(PermitClientMachine, BreakForAPermitNotHeldIsAnsweredWithARelease) {
  FakePermitClient a;
  PermitClient m(a);
  EXPECT_FALSE(m.process(pc::Break{5}));
  EXPECT_EQ(a.calls.back(), "release 5");
  m.process(pc::Need{});
  EXPECT_FALSE(m.process(pc::Break{6}));
  EXPECT_EQ(a.calls.back(), "release 6");
  EXPECT_EQ(m.state(), "requesting");
}

TEST(PermitClientMachine, UnexpectedEventIsAnErrorNamingStateAndEvent) {
  FakePermitClient a;
  PermitClient m(a);
  auto e = m.process(pc::Flushed{});
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->message, "permit_client: event Flushed is not expected in state none");
  EXPECT_EQ(m.state(), "none");
}

struct FakePermitServer : PermitServerActions {
  std::vector<std::string> calls;
  void grant(HostId to, std::uint64_t epoch) override {
    calls.push_back("grant " + std::to_string(to) + "@" + std::to_string(epoch));
  }
  void send_break(HostId holder, std::uint64_t epoch) override {
    calls.push_back("break " + std::to_string(holder) + "@" + std::to_string(epoch));
  }
};

namespace ps = permit_server_events;

TEST(PermitServerMachine, SecondWriterWaitsWhileTheFirstIsBroken) {
  FakePermitServer a;
  PermitServer m(a);
  EXPECT_FALSE(m.process(ps::Request{1}));
  EXPECT_EQ(m.state(), "held");
  EXPECT_EQ(m.holder(), 1u);
  EXPECT_FALSE(m.process(ps::Request{1}));  // holder asks again: same grant
  EXPECT_FALSE(m.process(ps::Request{2}));
  EXPECT_EQ(m.state(), "breaking");
  EXPECT_FALSE(m.process(ps::Request{3}));
  EXPECT_FALSE(m.process(ps::Request{2}));  // not queued twice
  EXPECT_EQ(m.waiters(), (std::deque<HostId>{2, 3}));
  EXPECT_FALSE(m.process(ps::Release{1, 0}));  // stale epoch: ignored
  EXPECT_EQ(m.state(), "breaking");
  EXPECT_FALSE(m.process(ps::Release{1, 1}));
  EXPECT_EQ(m.state(), "breaking");  // 3 still waits: 2 gets it and is asked back at once
  EXPECT_EQ(m.holder(), 2u);
  EXPECT_FALSE(m.process(ps::Release{2, 2}));
  EXPECT_EQ(m.state(), "held");
  EXPECT_EQ(m.holder(), 3u);
  EXPECT_EQ(a.calls, (std::vector<std::string>{"grant 1@1", "grant 1@1", "break 1@1", "grant 2@2",
                                               "break 2@2", "grant 3@3"}));
}

TEST(PermitServerMachine, LastReleaseFreesThePermit) {
  FakePermitServer a;
  PermitServer m(a);
  m.process(ps::Request{1});
  EXPECT_FALSE(m.process(ps::Release{2, 1}));  // not the holder
  EXPECT_EQ(m.state(), "held");
  EXPECT_FALSE(m.process(ps::Release{1, 1}));
  EXPECT_EQ(m.state(), "free");
  EXPECT_FALSE(m.holder().has_value());
  EXPECT_FALSE(m.process(ps::Release{1, 1}));  // late duplicate
  m.process(ps::Request{1});
  m.process(ps::Request{2});
  m.process(ps::PeerLost{2});  // the waiter went away
  EXPECT_FALSE(m.process(ps::Release{1, 2}));
  EXPECT_EQ(m.state(), "free");
}

TEST(PermitServerMachine, LostHolderFreesThePermitForTheNextWaiter) {
  FakePermitServer a;
  PermitServer m(a);
  m.process(ps::Request{1});
  EXPECT_FALSE(m.process(ps::PeerLost{9}));
  EXPECT_FALSE(m.process(ps::PeerLost{1}));
  EXPECT_EQ(m.state(), "free");
  EXPECT_FALSE(m.process(ps::PeerLost{1}));
  m.process(ps::Request{1});
  m.process(ps::Request{2});
  EXPECT_FALSE(m.process(ps::PeerLost{7}));
  EXPECT_FALSE(m.process(ps::PeerLost{1}));
  EXPECT_EQ(m.state(), "held");
  EXPECT_EQ(m.holder(), 2u);
  m.process(ps::Request{3});
  m.process(ps::Request{5});
  EXPECT_FALSE(m.process(ps::PeerLost{2}));  // 3 gets it, 5 still waits
  EXPECT_EQ(m.holder(), 3u);
  EXPECT_EQ(m.state(), "breaking");
  m.process(ps::PeerLost{5});
  m.process(ps::Request{4});
  m.process(ps::PeerLost{4});
  EXPECT_FALSE(m.process(ps::PeerLost{3}));
  EXPECT_EQ(m.state(), "free");
}

struct FakeClientLink : ClientLinkActions {
  bool caught = false, acked = false, open = false;
  std::vector<std::string> calls;
  void send_hello() override { calls.push_back("hello"); }
  void send_batch() override { calls.push_back("batch"); }
  bool caught_up() const override { return caught; }
  bool all_acked() const override { return acked; }
  bool conflicts_open() const override { return open; }
  void link_lost() override { calls.push_back("lost"); }
};

namespace cl = client_link_events;

TEST(ClientLinkMachine, ReconnectionRunsForwardThenReintegrateThenSynced) {
  FakeClientLink a;
  ClientLink m(a);
  EXPECT_FALSE(m.process(cl::Journaled{}));  // disconnected: journaling goes on
  EXPECT_FALSE(m.process(cl::Down{}));
  EXPECT_FALSE(m.process(cl::Up{}));
  EXPECT_EQ(m.state(), "connecting");
  EXPECT_FALSE(m.connected());
  EXPECT_FALSE(m.process(cl::Journaled{}));
  EXPECT_FALSE(m.process(cl::Welcome{}));
  EXPECT_EQ(m.state(), "forwarding");
  EXPECT_TRUE(m.connected());
  EXPECT_FALSE(m.process(cl::Journaled{}));
  EXPECT_FALSE(m.process(cl::CaughtUp{}));
  EXPECT_EQ(m.state(), "reintegrating");
  EXPECT_FALSE(m.process(cl::Journaled{}));
  EXPECT_FALSE(m.process(cl::CaughtUp{}));
  EXPECT_FALSE(m.process(cl::Acked{}));  // more to send
  a.acked = true;
  EXPECT_FALSE(m.process(cl::Acked{}));
  EXPECT_EQ(m.state(), "synced");
  EXPECT_FALSE(m.process(cl::Journaled{}));
  EXPECT_FALSE(m.process(cl::Acked{}));
  EXPECT_FALSE(m.process(cl::CaughtUp{}));
  EXPECT_EQ(a.calls, (std::vector<std::string>{"hello", "batch", "batch", "batch", "batch", "batch"}));
}

TEST(ClientLinkMachine, ConflictsInterruptUntilResolved) {
  FakeClientLink a;
  ClientLink m(a);
  m.process(cl::Up{});
  m.process(cl::Welcome{});
  EXPECT_FALSE(m.process(cl::Conflict{}));
  EXPECT_EQ(m.state(), "resolving");
  a.open = true;
  EXPECT_FALSE(m.process(cl::Conflict{}));
  EXPECT_FALSE(m.process(cl::Journaled{}));
  EXPECT_FALSE(m.process(cl::Acked{}));
  EXPECT_FALSE(m.process(cl::Resolved{}));  // one of two resolved
  EXPECT_EQ(m.state(), "resolving");
  a.open = false;
  EXPECT_FALSE(m.process(cl::Resolved{}));  // not caught up yet: back to forwarding
  EXPECT_EQ(m.state(), "forwarding");
  m.process(cl::Conflict{});
  EXPECT_FALSE(m.process(cl::CaughtUp{}));
  a.caught = true;
  EXPECT_FALSE(m.process(cl::Resolved{}));
  EXPECT_EQ(m.state(), "reintegrating");
  EXPECT_FALSE(m.process(cl::Conflict{}));
  EXPECT_FALSE(m.process(cl::Resolved{}));
  a.acked = true;
  m.process(cl::Acked{});
  EXPECT_EQ(m.state(), "synced");
  EXPECT_FALSE(m.process(cl::Conflict{}));
  EXPECT_EQ(m.state(), "resolving");
}

TEST(ClientLinkMachine, LosingTheLinkFromAnyStateDisconnects) {
  for (int depth = 0; depth < 5; ++depth) {
    FakeClientLink a;
    ClientLink m(a);
    m.process(cl::Up{});
    if (depth >= 1) m.process(cl::Welcome{});
    if (depth == 2) m.process(cl::Conflict{});
    if (depth >= 3) m.process(cl::CaughtUp{});
    if (depth == 4) {
      a.acked = true;
      m.process(cl::Acked{});
    }
    EXPECT_FALSE(m.process(cl::Down{})) << depth;
    EXPECT_EQ(m.state(), "disconnected") << depth;
    EXPECT_EQ(a.calls.back(), "lost");
  }
  FakeClientLink a;
  ClientLink m(a);
  m.process(cl::Up{});
  EXPECT_FALSE(m.process(cl::Refused{}));
  EXPECT_EQ(m.state(), "disconnected");
}

TEST(ClientLinkMachine, UnexpectedEventIsAnError) {
  FakeClientLink a;
  ClientLink m(a);
  auto e = m.process(cl::Welcome{});
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->message, "client_link: event Welcome is not expected in state disconnected");
}

struct FakeServerLink : ServerLinkActions {
  bool caught = false, flight = false;
  std::vector<std::string> calls;
  void welcome() override { calls.push_back("welcome"); }
  void send_batch() override { calls.push_back("batch"); }
  bool caught_up() const override { return caught; }
  bool in_flight() const override { return flight; }
};

namespace sl = server_link_events;

TEST(ServerLinkMachine, ForwardsUntilCaughtUpThenLive) {
  FakeServerLink a;
  ServerLink m(a);
  EXPECT_FALSE(m.process(sl::NewRecords{}));
  EXPECT_FALSE(m.process(sl::Down{}));
  EXPECT_FALSE(m.process(sl::Hello{}));  // behind
  EXPECT_EQ(m.state(), "forwarding");
  EXPECT_EQ(a.calls, (std::vector<std::string>{"welcome", "batch"}));
  a.flight = true;
  EXPECT_FALSE(m.process(sl::NewRecords{}));  // a batch is out: wait for its ack
  EXPECT_EQ(a.calls.size(), 2u);
  a.flight = false;
  EXPECT_FALSE(m.process(sl::NewRecords{}));
  EXPECT_EQ(a.calls.back(), "batch");
  EXPECT_FALSE(m.process(sl::Acked{}));  // still behind: next batch
  EXPECT_FALSE(m.process(sl::Hello{}));  // the replicator said hello again, still behind
  EXPECT_EQ(m.state(), "forwarding");
  a.caught = true;
  EXPECT_FALSE(m.process(sl::Acked{}));
  EXPECT_EQ(m.state(), "synced");
  EXPECT_FALSE(m.process(sl::NewRecords{}));
  a.flight = true;
  const auto before = a.calls.size();
  EXPECT_FALSE(m.process(sl::NewRecords{}));
  EXPECT_EQ(a.calls.size(), before);
  EXPECT_FALSE(m.process(sl::Acked{}));
  EXPECT_FALSE(m.process(sl::Hello{}));  // caught up: straight back to synced
  EXPECT_EQ(m.state(), "synced");
  a.caught = false;
  EXPECT_FALSE(m.process(sl::Hello{}));
  EXPECT_EQ(m.state(), "forwarding");
  a.caught = true;
  EXPECT_FALSE(m.process(sl::Hello{}));
  EXPECT_EQ(m.state(), "synced");
  EXPECT_FALSE(m.process(sl::Down{}));
  EXPECT_EQ(m.state(), "disconnected");
  EXPECT_FALSE(m.process(sl::Hello{}));  // caught up at once
  EXPECT_EQ(m.state(), "synced");
  a.caught = false;
  EXPECT_FALSE(m.process(sl::Down{}));
  m.process(sl::Hello{});
  EXPECT_FALSE(m.process(sl::Down{}));
  EXPECT_EQ(m.state(), "disconnected");
}

struct FakeConflict : ConflictActions {
  std::vector<std::string> calls;
  void resolve(Winner w) override { calls.push_back(w == Winner::server ? "server wins" : "client wins"); }
  void quarantine() override { calls.push_back("quarantine"); }
  void resolved() override { calls.push_back("resolved"); }
};

namespace ce = conflict_events;

TEST(ConflictMachine, PolicyDecidesAtOnce) {
  FakeConflict a;
  ConflictCase m(a);
  EXPECT_TRUE(m.open());
  EXPECT_FALSE(m.process(ce::Decide{Winner::client}));
  EXPECT_EQ(m.state(), "resolving");
  EXPECT_FALSE(m.process(ce::Done{}));
  EXPECT_FALSE(m.open());
  EXPECT_EQ(a.calls, (std::vector<std::string>{"client wins", "resolved"}));
}

TEST(ConflictMachine, ManualPolicyQuarantinesUntilSomeoneChooses) {
  FakeConflict a;
  ConflictCase m(a);
  EXPECT_FALSE(m.process(ce::Decide{std::nullopt}));
  EXPECT_EQ(m.state(), "quarantined");
  EXPECT_TRUE(m.process(ce::Done{}).has_value());  // nothing to finish yet
  EXPECT_FALSE(m.process(ce::Choose{Winner::server}));
  EXPECT_FALSE(m.process(ce::Done{}));
  EXPECT_EQ(a.calls, (std::vector<std::string>{"quarantine", "server wins", "resolved"}));
  auto e = m.process(ce::Choose{Winner::client});
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->message, "conflict: event Choose is not expected in state resolved");
}

TEST(Machines, TablesListEveryRow) {
  EXPECT_EQ(PermitClient::table().size(), 28u);
  EXPECT_EQ(PermitServer::table().size(), 18u);
  EXPECT_EQ(ClientLink::table().size(), 30u);
  EXPECT_EQ(ServerLink::table().size(), 17u);
  EXPECT_EQ(ConflictCase::table().size(), 4u);
  const auto rows = PermitClient::table();
  EXPECT_EQ(rows.front(), (Transition{"permit_client", "none", "Need", "requesting", "Request"}));
}

}  // namespace
}  // namespace izo::fsm
