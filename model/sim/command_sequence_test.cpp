// Property-based runs: RapidCheck generates the workload and the fault
// schedule as a sequence of commands (operations, deliveries, crashes,
// restarts, cuts, heals), the world makes each one that is possible where it
// stands, then runs to quiescence; every property must hold. A failure
// shrinks to a short sequence, printed as moves.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <initializer_list>
#include <sstream>

#include "sim/sim_world.hpp"

namespace izo::model {

// One generated command. Its numbers pick among what the world offers when
// it comes (a delivery among those waiting, a node, a file), so any sequence
// means something and shrinking keeps it meaningful.
struct Command {
  enum Kind : std::uint8_t { deliver, op, crash, restart, cut, heal } kind = deliver;
  std::uint8_t pick = 0;  // which delivery, node or client
  std::uint8_t what = 0;  // which operation
  std::uint8_t file = 0, file2 = 0;
};

// How RapidCheck prints a command of a counterexample.
inline void showValue(const Command& c, std::ostream& os) {
  static const char* names[] = {"deliver", "op", "crash", "restart", "cut", "heal"};
  os << names[c.kind] << "(" << int(c.pick) << "," << int(c.what) << "," << int(c.file) << "," << int(c.file2) << ")";
}

}  // namespace izo::model

namespace rc {
template <>
struct Arbitrary<izo::model::Command> {
  static Gen<izo::model::Command> arbitrary() {
    using izo::model::Command;
    // Deliveries and operations are the common case; faults are rarer.
    return gen::build<Command>(
        gen::set(&Command::kind, gen::weightedElement<Command::Kind>({{6, Command::deliver},
                                                                      {3, Command::op},
                                                                      {1, Command::crash},
                                                                      {1, Command::restart},
                                                                      {1, Command::cut},
                                                                      {1, Command::heal}})),
        gen::set(&Command::pick, gen::inRange<std::uint8_t>(0, 8)),
        gen::set(&Command::what, gen::inRange<std::uint8_t>(0, 4)),
        gen::set(&Command::file, gen::inRange<std::uint8_t>(0, 3)),
        gen::set(&Command::file2, gen::inRange<std::uint8_t>(0, 3)));
  }
};
}  // namespace rc

namespace izo::model {
namespace {

// The move a command stands for in w, if any.
std::optional<Move> move_for(const Command& c, const SimWorld& w, int clients, int& written) {
  const int nodes = w.node_count();
  auto f = [](int i) { return "f" + std::to_string(i); };
  switch (c.kind) {
    case Command::deliver: {
      const auto ready = w.deliveries();
      if (ready.empty()) return std::nullopt;
      return ready[c.pick % ready.size()];
    }
    case Command::op: {
      Move m{Move::op, c.pick % nodes, {}};
      switch (c.what % 4) {
        case 0: m.file = FileOp{FileOp::write, f(c.file), "", node_name(m.who) + std::to_string(++written)}; break;
        case 1: m.file = FileOp{FileOp::unlink, f(c.file), "", ""}; break;
        case 2:
          if (c.file == c.file2) return std::nullopt;
          m.file = FileOp{FileOp::rename, f(c.file), f(c.file2), ""};
          break;
        default: m.file = FileOp{FileOp::mkdir, "d", "", ""}; break;
      }
      return m;
    }
    case Command::crash: return Move{Move::crash, c.pick % nodes, {}};
    case Command::restart: return Move{Move::restart, c.pick % nodes, {}};
    case Command::cut: return Move{Move::cut, c.pick % clients, {}};
    case Command::heal: return Move{Move::heal, c.pick % clients, {}};
  }
  return std::nullopt;
}

struct Outcome {
  std::optional<Violation> violation;
  std::vector<Move> made;
};

Outcome run_commands(const std::vector<Command>& commands, SimConfig cfg) {
  SimWorld w(cfg);
  Outcome out;
  int written = 0;
  for (const auto& c : commands) {
    auto m = move_for(c, w, cfg.clients, written);
    if (m && w.apply(*m)) out.made.push_back(*m);
    if (w.violation()) break;
  }
  out.violation = w.violation() ? w.violation() : w.finish();
  return out;
}

std::string moves_text(const std::vector<Move>& moves) {
  std::ostringstream s;
  for (const auto& m : moves) s << "\n  " << to_text(m);
  return s.str();
}

SimConfig two_clients(bool cuts) {
  SimConfig c;
  c.clients = 2;
  c.partitions = cuts;
  return c;
}

std::vector<Command> without(const std::vector<Command>& commands, std::initializer_list<Command::Kind> kinds) {
  std::vector<Command> out;
  for (const auto& c : commands)
    if (std::find(kinds.begin(), kinds.end(), c.kind) == kinds.end()) out.push_back(c);
  return out;
}

void check_commands(const std::vector<Command>& commands, const SimConfig& cfg) {
  const auto out = run_commands(commands, cfg);
  if (out.violation) RC_LOG() << out.violation->property << ": " << out.violation->detail << moves_text(out.made);
  RC_ASSERT_FALSE(out.violation.has_value());
}

// Known to hold, and run by every test run: any workload, messages and
// fetches delivered in any order, everything connected.
RC_GTEST_PROP(SimCommands, AnySequenceOfOperationsAndDeliveriesKeepsEveryProperty,
              (const std::vector<Command>& commands)) {
  check_commands(without(commands, {Command::crash, Command::restart, Command::cut, Command::heal}),
                 two_clients(false));
}

// With faults: crashes and restarts of any node, link cuts and heals. Not in
// the default run: after a few thousand sequences of up to 300 moves,
// RapidCheck finds and shrinks to 10 moves a writer's own unacknowledged
// version renamed over, the rename refused as a conflict, and the version's
// content nowhere (model/findings/, model/README.md "Known violations").
// Run them with
//   RC_PARAMS="max_success=20000 max_size=300" build/model/model_tests
//     --gtest_also_run_disabled_tests --gtest_filter='SimCommands.DISABLED_*'
RC_GTEST_PROP(SimCommands, DISABLED_AnySequenceWithCrashesKeepsEveryProperty, (const std::vector<Command>& commands)) {
  check_commands(without(commands, {Command::cut, Command::heal}), two_clients(false));
}

RC_GTEST_PROP(SimCommands, DISABLED_AnySequenceWithCrashesAndCutsKeepsEveryProperty,
              (const std::vector<Command>& commands)) {
  check_commands(commands, two_clients(true));
}

// The same property with a seeded bug fails, and RapidCheck shrinks the
// failing sequence to a few moves: the shortest is the hello exchange and
// one write (or one write at the server).
TEST(SimCommands, ASeededBugIsFoundAndShrunkToAFewMoves) {
  std::size_t shortest = SIZE_MAX;
  std::string shortest_text;
  SimConfig cfg = two_clients(false);
  cfg.bugs.presto_ignores_permit = true;
  const bool held = rc::check("a filter that writes without the permit", [&](const std::vector<Command>& commands) {
    const auto out = run_commands(commands, cfg);
    if (out.violation && out.made.size() < shortest) {
      shortest = out.made.size();
      shortest_text = out.violation->property + moves_text(out.made);
    }
    RC_ASSERT_FALSE(out.violation.has_value());
  });
  EXPECT_FALSE(held) << "RapidCheck did not find the seeded bug";
  EXPECT_LE(shortest, 3u) << "not shrunk: " << shortest_text;
  EXPECT_NE(shortest_text.find("at most one permit holder"), std::string::npos) << shortest_text;
}

}  // namespace
}  // namespace izo::model
