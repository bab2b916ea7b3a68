// The protocol state machines driven by any sequence of events (the input's
// first byte picks the machine, the rest is a tape of events, their fields and
// the answers the machine's queries get). Invariants after every event:
//   - an expected event fires a chain of rows of the machine's own table that
//     starts at the state it was in and ends at the state it is now in;
//   - an unexpected one is refused with an error naming the machine, the event
//     and the state, fires nothing and leaves the state as it was;
//   - the permit server never grants while a grant is outstanding (one writer)
//     and never queues a host twice, nor its holder unless it is breaking it;
//   - a resolved conflict stays resolved and resolves once;
//   - a link that went down is not connected.
#include <algorithm>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "fsm/machines.hpp"
#include "support/check.hpp"
#include "support/entry.hpp"
#include "support/tape.hpp"

namespace {

using namespace izo;
using namespace izo::fsm;
using fuzz::Tape;

std::vector<Transition> fired;

bool in_table(const std::vector<Transition>& table, const Transition& t) {
  return std::find(table.begin(), table.end(), t) != table.end();
}

// Runs one event on machine `m` and checks the general invariants.
template <class M, class E>
std::optional<Error> step(M& m, const E& e) {
  const std::string before = m.state();
  fired.clear();
  const auto error = m.process(e);
  const std::string after = m.state();
  const std::string what = std::string(M::machine) + " " + E::name + " in " + before;
  if (error) {
    IZO_FUZZ_REQUIRE(error->message.find(M::machine) != std::string::npos &&
                         error->message.find(E::name) != std::string::npos,
                     what + ": an error that does not name the machine and the event: " + error->message);
    if (fired.empty()) {
      IZO_FUZZ_REQUIRE(after == before, what + ": a refused event changed the state to " + after);
      IZO_FUZZ_REQUIRE(error->message.find(before) != std::string::npos,
                       what + ": an error that does not name the state: " + error->message);
    }
    return error;
  }
  IZO_FUZZ_REQUIRE(!fired.empty(), what + ": accepted without firing a row");
  IZO_FUZZ_REQUIRE(fired.front().from == before, what + ": the first row fired starts in " + fired.front().from);
  static const auto table = M::table();
  for (std::size_t i = 0; i < fired.size(); ++i) {
    IZO_FUZZ_REQUIRE(fired[i].machine == M::machine && in_table(table, fired[i]),
                     what + ": fired a row that is not in the table: " + to_string(fired[i]));
    if (i > 0) IZO_FUZZ_REQUIRE(fired[i].from == fired[i - 1].to, what + ": rows fired out of chain");
  }
  IZO_FUZZ_REQUIRE(fired.back().to == after, what + ": the state is " + after + " but the last row went to " +
                                                 fired.back().to);
  return std::nullopt;
}

HostId host(Tape& t) { return 1 + t.below(3); }

// The server side of the permit, with the one-writer invariant: a grant is
// made only when no other is outstanding, or when the event being processed
// ends the outstanding one (a valid release or the holder's loss).
struct ServerActions final : PermitServerActions {
  std::optional<HostId> granted;
  std::uint64_t granted_epoch = 0;
  std::optional<HostId> ending;  // the host whose grant the current event may end
  void grant(HostId to, std::uint64_t epoch) override {
    const bool regrant = granted == to && epoch == granted_epoch;
    IZO_FUZZ_REQUIRE(!granted || regrant || ending == granted,
                     "permit granted to " + std::to_string(to) + " while " + std::to_string(*granted) +
                         " still holds it");
    IZO_FUZZ_REQUIRE(epoch >= granted_epoch, "a grant with an older epoch than the last");
    granted = to;
    granted_epoch = epoch;
    ++grants;
  }
  int grants = 0;
  void send_break(HostId, std::uint64_t) override {}
};

void permit_server(Tape& t) {
  ServerActions a;
  PermitServer m(a);
  while (!t.empty()) {
    const HostId h = host(t);
    a.ending.reset();
    switch (t.below(3)) {
      case 0: step(m, permit_server_events::Request{h}); break;
      case 1: {
        // A release names an epoch: mostly the current one, sometimes a stale or a future one.
        const std::uint64_t epoch = t.bit() ? m.epoch() : t.below(4);
        if (epoch == a.granted_epoch) a.ending = h;
        // A grant ends when its holder gives it back (and is not granted it again at once).
        const int grants = a.grants;
        if (!step(m, permit_server_events::Release{h, epoch}) && a.ending && a.granted == h && a.grants == grants)
          a.granted.reset();
        break;
      }
      default: {
        a.ending = h;
        const int grants = a.grants;
        if (!step(m, permit_server_events::PeerLost{h}) && a.granted == h && a.grants == grants) a.granted.reset();
        break;
      }
    }
    IZO_FUZZ_REQUIRE(m.holder() == a.granted, "the server's holder is not the host last granted");
    const auto waiters = m.waiters();
    const std::set<HostId> unique(waiters.begin(), waiters.end());
    IZO_FUZZ_REQUIRE(unique.size() == waiters.size(), "a host waits twice for the permit");
    // A holder asked to give the permit back may queue to have it again, but
    // one that keeps it is not also waiting for it.
    if (m.holder() && m.state() != "breaking")
      IZO_FUZZ_REQUIRE(!unique.contains(*m.holder()), "the holder also waits for the permit");
  }
}

// The fakes answer their machine's queries from the tape, drawn once before
// each event: a query asked twice while one event is processed (by two
// guards) gets the same answer, as it would from a real engine.
struct ClientActions final : PermitClientActions {
  bool is_connected = false, has_waiters = false;
  void draw(Tape& t) {
    is_connected = t.bit();
    has_waiters = t.bit();
  }
  bool connected() const override { return is_connected; }
  void send_get_permit() override {}
  void send_release(std::uint64_t) override {}
  void start_flush() override {}
  void answer_waiters(bool) override {}
  void revoke() override {}
  bool waiters() const override { return has_waiters; }
};

void permit_client(Tape& t) {
  ClientActions a;
  PermitClient m(a);
  namespace e = permit_client_events;
  while (!t.empty()) {
    a.draw(t);
    switch (t.below(8)) {
      case 0: step(m, e::Need{}); break;
      case 1: step(m, e::Granted{t.below(4)}); break;
      case 2: step(m, e::Denied{}); break;
      case 3: step(m, e::Break{t.below(4)}); break;
      case 4: step(m, e::Returned{}); break;
      case 5: step(m, e::Flushed{}); break;
      case 6: step(m, e::LinkDown{}); break;
      default: step(m, e::LinkUp{}); break;
    }
  }
}

struct LinkActions final : ClientLinkActions {
  bool is_caught_up = false, is_all_acked = false, has_conflicts = false;
  void draw(Tape& t) {
    const auto b = t.byte();
    is_caught_up = b & 1u;
    is_all_acked = b & 2u;
    has_conflicts = b & 4u;
  }
  void send_hello() override {}
  void send_batch() override {}
  bool caught_up() const override { return is_caught_up; }
  bool all_acked() const override { return is_all_acked; }
  bool conflicts_open() const override { return has_conflicts; }
  void link_lost() override {}
};

void client_link(Tape& t) {
  LinkActions a;
  ClientLink m(a);
  namespace e = client_link_events;
  while (!t.empty()) {
    a.draw(t);
    switch (t.below(9)) {
      case 0: step(m, e::Up{}); break;
      case 1: step(m, e::Welcome{}); break;
      case 2: step(m, e::Refused{}); break;
      case 3: step(m, e::CaughtUp{}); break;
      case 4: step(m, e::Conflict{}); break;
      case 5: step(m, e::Resolved{}); break;
      case 6: step(m, e::Acked{}); break;
      case 7: step(m, e::Journaled{}); break;
      default:
        if (!step(m, e::Down{})) IZO_FUZZ_REQUIRE(!m.connected(), "client link connected after Down");
        break;
    }
  }
}

struct ServerLinkFake final : ServerLinkActions {
  bool is_caught_up = false, has_in_flight = false;
  void draw(Tape& t) {
    const auto b = t.byte();
    is_caught_up = b & 1u;
    has_in_flight = b & 2u;
  }
  void welcome() override {}
  void send_batch() override {}
  bool caught_up() const override { return is_caught_up; }
  bool in_flight() const override { return has_in_flight; }
};

void server_link(Tape& t) {
  ServerLinkFake a;
  ServerLink m(a);
  namespace e = server_link_events;
  while (!t.empty()) {
    a.draw(t);
    switch (t.below(4)) {
      case 0: step(m, e::Hello{}); break;
      case 1: step(m, e::Acked{}); break;
      case 2: step(m, e::NewRecords{}); break;
      default:
        if (!step(m, e::Down{})) IZO_FUZZ_REQUIRE(!m.connected(), "server link connected after Down");
        break;
    }
  }
}

struct ConflictFake final : ConflictActions {
  int resolves = 0;
  void resolve(Winner) override { ++resolves; }
  void quarantine() override {}
  void resolved() override {}
};

void conflict(Tape& t) {
  ConflictFake a;
  ConflictCase m(a);
  namespace e = conflict_events;
  bool was_resolved = false;
  while (!t.empty()) {
    const Winner w = t.bit() ? Winner::server : Winner::client;
    switch (t.below(3)) {
      case 0: step(m, e::Decide{t.bit() ? std::optional<Winner>{w} : std::nullopt}); break;
      case 1: step(m, e::Choose{w}); break;
      default: step(m, e::Done{}); break;
    }
    IZO_FUZZ_REQUIRE(!(was_resolved && m.open()), "a resolved conflict opened again");
    IZO_FUZZ_REQUIRE(a.resolves <= 1, "a conflict was resolved twice");
    was_resolved = was_resolved || !m.open();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const bool hooked = [] {
    set_transition_hook([](const Transition& t) { fired.push_back(t); });
    return true;
  }();
  (void)hooked;
  if (size == 0) return 0;
  Tape t(data + 1, size - 1);
  switch (data[0] % 5) {
    case 0: permit_server(t); break;
    case 1: permit_client(t); break;
    case 2: client_link(t); break;
    case 3: server_link(t); break;
    default: conflict(t); break;
  }
  return 0;
}
