// The exhaustive explorer: small worlds explored to the end keep every
// property; each seeded bug is found, breadth first with a shortest trace,
// by the property it breaks; a saved trace replays to the same violation.
#include "explore/explorer.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace izo::model {
namespace {

// One server and one client that both write f0, one cut and one crash
// allowed on every path.
ExploreConfig one_client_both_write() {
  ExploreConfig c;
  c.clients = 1;
  c.scripts = {{FileOp{FileOp::write, "f0", "", "S1"}}, {FileOp{FileOp::write, "f0", "", "A1"}}};
  return c;
}

TEST(Explorer, OneClientWorldWithACutAndACrashKeepsEveryPropertyUnderServerWinsAndManual) {
  for (auto policy : {replica::Policy::server_wins, replica::Policy::manual}) {
    auto c = one_client_both_write();
    c.policy = policy;
    const auto r = explore(c);
    ASSERT_FALSE(r.violation) << policy_name(policy) << ": " << r.violation->property << "\n"
                              << r.violation->detail;
    EXPECT_TRUE(r.complete);
    EXPECT_GT(r.distinct, 5000u) << "the cut and the crash should multiply the states";
    EXPECT_GT(r.quiescent, 50u);
    EXPECT_GT(r.explored, r.distinct) << "some states are reached twice and skipped";
  }
}

TEST(Explorer, TwoClientsWritingTheSameFileConnectedKeepEveryProperty) {
  ExploreConfig c;
  c.clients = 2;
  c.max_cuts = 0;
  c.max_crashes = 0;
  c.scripts = {{}, {FileOp{FileOp::write, "f0", "", "A1"}}, {FileOp{FileOp::write, "f0", "", "B1"}}};
  const auto r = explore(c);
  ASSERT_FALSE(r.violation) << r.violation->property << "\n" << r.violation->detail;
  EXPECT_TRUE(r.complete);
  EXPECT_GT(r.distinct, 1000u);
}

// Breadth first: the filter that writes without the permit is caught at the
// shortest trace there is. The server writing is caught at once; a client
// writing, right after the hello exchange (before the hello reply it is not
// connected and may write under its optimistic permit).
TEST(Explorer, FindsAPrestoThatWritesWithoutThePermitWithAShortestTrace) {
  auto c = one_client_both_write();
  c.bugs.presto_ignores_permit = true;
  const auto at_server = explore(c);
  ASSERT_TRUE(at_server.violation);
  ASSERT_EQ(at_server.trace.size(), 1u);
  EXPECT_EQ(to_text(at_server.trace[0]), "op S write f0 S1");
  c.scripts[0].clear();
  const auto r = explore(c);
  ASSERT_TRUE(r.violation);
  EXPECT_EQ(r.violation->property, "at most one permit holder among connected nodes");
  ASSERT_EQ(r.trace.size(), 3u);
  EXPECT_EQ(to_text(r.trace[0]), "deliver A->S");
  EXPECT_EQ(to_text(r.trace[1]), "deliver S->A");
  EXPECT_EQ(r.trace[2].kind, Move::op);
}

TEST(Explorer, FindsADiskThatLiesAboutSync) {
  auto c = one_client_both_write();
  c.bugs.disk_lies_about_sync = true;
  const auto r = explore(c);
  ASSERT_TRUE(r.violation);
  EXPECT_EQ(r.violation->property, "last_rcvd counters monotonic and never ahead of durable state");
  EXPECT_LE(r.trace.size(), 10u);
}

// The same world with a cut but no crash, and an apply that skips the
// version check: the client's write lands over the server's unseen.
ExploreConfig skipped_version_check() {
  auto c = one_client_both_write();
  c.max_crashes = 0;
  c.bugs.skip_version_check = true;
  return c;
}

TEST(Explorer, FindsAnApplyThatSkipsTheVersionCheck) {
  auto c = skipped_version_check();
  const auto r = explore(c);
  ASSERT_TRUE(r.violation);
  EXPECT_TRUE(r.violation->property == "convergence" || r.violation->property == "no acknowledged update is lost")
      << r.violation->property;
  EXPECT_TRUE(r.at_quiescence);
  // The clean protocol explores the same world without a violation.
  c.bugs.skip_version_check = false;
  EXPECT_FALSE(explore(c).violation);
}

TEST(Explorer, SavedTraceReplaysToTheSameViolation) {
  const auto c = skipped_version_check();
  const auto r = explore(c);
  ASSERT_TRUE(r.violation);
  const std::string text = trace_text(c, r.trace, r.at_quiescence);
  auto saved = parse_trace(text);
  ASSERT_TRUE(saved) << saved.error().message;
  EXPECT_EQ(saved->moves, r.trace);
  EXPECT_TRUE(saved->config.bugs.skip_version_check);
  auto replayed = replay(*saved);
  ASSERT_TRUE(replayed) << replayed.error().message;
  ASSERT_TRUE(replayed->violation);
  EXPECT_EQ(replayed->violation->property, r.violation->property);
  EXPECT_EQ(replayed->violation->detail, r.violation->detail);
  // Without the bug the same moves are harmless, or stop being possible
  // where the bug made the world go another way (the record it let through
  // is refused instead, and the backfetch that followed it never happens).
  saved->config.bugs.skip_version_check = false;
  auto clean = replay(*saved);
  if (clean) {
    EXPECT_FALSE(clean->violation) << clean->violation->property;
  } else {
    EXPECT_NE(clean.error().message.find("is not possible where the world stands"), std::string::npos)
        << clean.error().message;
  }
}

TEST(Explorer, TraceThatCannotBeReplayedSaysWhichMove) {
  auto t = parse_trace("clients 1\ndeliver S->A\n");
  ASSERT_TRUE(t) << t.error().message;
  auto r = replay(*t);
  ASSERT_FALSE(r);  // the server has sent nothing yet: the client speaks first
  EXPECT_NE(r.error().message.find("move 1 (deliver S->A)"), std::string::npos) << r.error().message;
}

TEST(Explorer, BadTraceLinesAreRefusedWithTheirLineNumber) {
  for (const auto& [text, expect] : std::vector<std::pair<std::string, std::string>>{
           {"clients 9\n", "line 1: clients must be 1 to 8"},
           {"policy whoever\n", "line 1: unknown policy whoever"},
           {"clients 1\n\nfly away\n", "line 3: move \"fly away\": unknown move fly"},
           {"clients 1\ndeliver A->B\n", "line 2"},
           {"finish\nop A mkdir d\n", "line 2: nothing may follow"},
       }) {
    auto t = parse_trace(text);
    ASSERT_FALSE(t) << text;
    EXPECT_NE(t.error().message.find(expect), std::string::npos) << t.error().message;
  }
}

TEST(Explorer, EveryKindOfMoveReadsBackAsWritten) {
  const std::vector<Move> moves{
      {Move::deliver, 0, {}},  {Move::deliver, 3, {}}, {Move::fetch, 2, {}},   {Move::cut, 1, {}},
      {Move::heal, 0, {}},     {Move::crash, 0, {}},   {Move::restart, 2, {}},
      {Move::op, 1, FileOp{FileOp::write, "d/f0", "", "A7"}},
      {Move::op, 0, FileOp{FileOp::unlink, "f1", "", ""}},
      {Move::op, 2, FileOp{FileOp::rename, "f0", "d/f2", ""}},
      {Move::op, 2, FileOp{FileOp::mkdir, "d", "", ""}},
  };
  for (const auto& m : moves) {
    auto back = parse_move(to_text(m), 2);
    ASSERT_TRUE(back) << to_text(m) << ": " << back.error().message;
    EXPECT_EQ(*back, m) << to_text(m);
  }
  EXPECT_EQ(to_text(moves[1]), "deliver S->B");
}

std::vector<std::filesystem::path> traces_in(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> out;
  for (const auto& entry : std::filesystem::directory_iterator(dir))
    if (entry.path().extension() == ".trace") out.push_back(entry.path());
  std::sort(out.begin(), out.end());
  return out;
}

Result<ReplayOutcome> replay_file(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  auto t = parse_trace(text.str());
  if (!t) return t.error();
  return replay(*t);
}

// model/findings/ holds known violations not fixed yet: each still replays
// (every move possible where it stands) to a violation. One that stops
// violating was fixed: move it to model/regressions/.
TEST(Explorer, KnownViolationsInFindingsStillReplayToAViolation) {
  const auto files = traces_in(IZO_MODEL_FINDINGS_DIR);
  for (const auto& f : files) {
    auto r = replay_file(f);
    ASSERT_TRUE(r) << f << ": " << r.error().message;
    EXPECT_TRUE(r->violation) << f << " no longer violates any property: fixed? Move it to model/regressions/";
  }
  EXPECT_GE(files.size(), 1u);
}

// model/regressions/ holds findings that were fixed: each replays clean.
TEST(Explorer, FixedFindingsInRegressionsReplayClean) {
  const auto files = traces_in(IZO_MODEL_REGRESSIONS_DIR);
  for (const auto& f : files) {
    auto r = replay_file(f);
    ASSERT_TRUE(r) << f << ": " << r.error().message;
    EXPECT_FALSE(r->violation) << f << ": " << r->violation->property << "\n" << r->violation->detail;
  }
  EXPECT_GE(files.size(), 1u);
}

}  // namespace
}  // namespace izo::model
