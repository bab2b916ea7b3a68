// The conflict replay's parts: the Unison oracle on hand-made trees, the
// scenario language, the checks on a divergence read from KMLs, and the
// path from KML files through the reconnection.
#include <gtest/gtest.h>

#include <fstream>

#include "conflicts/compare.hpp"
#include "conflicts/scenario.hpp"
#include "conflicts/unison_oracle.hpp"
#include "posix/kml_file.hpp"
#include "posix/temp_dir.hpp"

namespace izo::replay::conflicts {
namespace {

using replica::ObjType;

Entry file(std::string content, std::uint32_t perms = 0644) { return Entry{ObjType::file, std::move(content), perms, {}}; }
Entry dir(std::uint32_t perms = 0755) { return Entry{ObjType::dir, std::nullopt, perms, {}}; }

std::vector<std::string> paths(const std::vector<OracleConflict>& cs) {
  std::vector<std::string> out;
  for (const auto& c : cs) out.push_back(c.path);
  return out;
}

using Paths = std::vector<std::string>;

TEST(UnisonOracle, AChangeOnOneSideOnlyIsNoConflict) {
  const Tree common{{"", dir()}, {"a", file("1")}};
  const Tree server{{"", dir()}, {"a", file("2")}};
  EXPECT_EQ(paths(unison_conflicts(common, server, common)), Paths{});
  EXPECT_EQ(paths(unison_conflicts(common, common, server)), Paths{});
}

TEST(UnisonOracle, AFileChangedDifferentlyOnBothSidesIsAConflict) {
  const Tree common{{"", dir()}, {"a", file("1")}};
  const Tree server{{"", dir()}, {"a", file("2")}};
  const Tree client{{"", dir()}, {"a", file("3")}};
  EXPECT_EQ(paths(unison_conflicts(common, server, client)), Paths{"a"});
}

TEST(UnisonOracle, TheSameChangeOnBothSidesIsNoConflict) {
  const Tree common{{"", dir()}, {"a", file("1")}, {"b", file("1")}};
  const Tree both{{"", dir()}, {"a", file("2")}};  // a rewritten, b removed, on both sides
  EXPECT_EQ(paths(unison_conflicts(common, both, both)), Paths{});
}

TEST(UnisonOracle, PermissionsCountAsAChange) {
  const Tree common{{"", dir()}, {"a", file("1")}};
  const Tree server{{"", dir()}, {"a", file("1", 0600)}};
  const Tree client{{"", dir()}, {"a", file("2")}};
  EXPECT_EQ(paths(unison_conflicts(common, server, client)), Paths{"a"});
}

TEST(UnisonOracle, ADirectoryRemovedOnOneSideAndChangedInsideOnTheOtherIsAConflictAtTheDirectory) {
  const Tree common{{"", dir()}, {"d", dir()}, {"d/x", file("1")}};
  const Tree server{{"", dir()}};
  const Tree client{{"", dir()}, {"d", dir()}, {"d/x", file("2")}};
  EXPECT_EQ(paths(unison_conflicts(common, server, client)), Paths{"d"});
  EXPECT_EQ(paths(unison_conflicts(common, client, server)), Paths{"d"});
}

TEST(UnisonOracle, ADirectoryBothSidesKeepIsComparedNameByName) {
  const Tree common{{"", dir()}, {"d", dir()}, {"d/x", file("1")}, {"d/y", file("1")}};
  const Tree server{{"", dir()}, {"d", dir()}, {"d/x", file("2")}, {"d/y", file("1")}, {"d/s", file("s")}};
  const Tree client{{"", dir()}, {"d", dir()}, {"d/x", file("1")}, {"d/y", file("3")}, {"d/c", file("c")}};
  EXPECT_EQ(paths(unison_conflicts(common, server, client)), Paths{});
  Tree client2 = client;
  client2["d/x"] = file("4");
  EXPECT_EQ(paths(unison_conflicts(common, server, client2)), Paths{"d/x"});
}

TEST(UnisonOracle, ANameSortedBetweenADirectoryAndItsEntriesDoesNotHideThem) {
  // "a-b" sorts between "a" and "a/x": the entries of a are not one run.
  const Tree common{{"", dir()}, {"a", dir()}, {"a-b", file("z")}, {"a/x", file("1")}};
  const Tree server{{"", dir()}, {"a-b", file("z")}};
  const Tree client{{"", dir()}, {"a", dir()}, {"a-b", file("z")}, {"a/x", file("2")}};
  EXPECT_EQ(paths(unison_conflicts(common, server, client)), Paths{"a"});
  EXPECT_FALSE(same_subtree(common, client, "a"));
  EXPECT_TRUE(same_subtree(common, client, "a-b"));
}

TEST(UnisonOracle, DirectoryPermissionsChangedDifferentlyOnBothSidesAreAConflict) {
  const Tree common{{"", dir()}, {"d", dir()}};
  const Tree server{{"", dir()}, {"d", dir(0700)}};
  const Tree client{{"", dir()}, {"d", dir(0750)}};
  EXPECT_EQ(paths(unison_conflicts(common, server, client)), Paths{"d"});
}

TEST(UnisonOracle, SaysWhyAPathIsNoConflict) {
  const Tree common{{"", dir()}, {"a", file("1")}};
  const Tree server{{"", dir()}, {"a", file("2")}};
  EXPECT_NE(oracle_view(common, server, common, "a").find("server only"), std::string::npos);
  EXPECT_NE(oracle_view(common, server, server, "a").find("same way"), std::string::npos);
  EXPECT_EQ(oracle_view(common, common, common, "a"), "unchanged on both sides");
}

TEST(ScenarioScript, AnUnknownOperationNamesItsLine) {
  auto s = parse_scenario("common write a x\nserver delete a\nexpect no-conflict\n", "t");
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("line 2"), std::string::npos) << s.error().message;
  EXPECT_NE(s.error().message.find("delete"), std::string::npos) << s.error().message;
}

// Found by fuzz_conflict_replay: a NUL in a name reached the wire encoder,
// which threw at the reconnection. A filesystem never hands such a name over.
TEST(ScenarioScript, ANameNoFilesystemGivesIsRefusedWithItsLine) {
  using namespace std::string_literals;  // the names hold NUL bytes
  for (const auto& bad : {"common write a\0b x\n"s, "server mkdir ../up\n"s, "client rename a /abs\n"s,
                          "client mkdir d//e\n"s, "server symlink l a\0b\n"s}) {
    auto s = parse_scenario("common write a x\n" + bad + "expect no-conflict\n", "t");
    ASSERT_FALSE(s) << bad;
    EXPECT_TRUE(s.error().message.starts_with("line 2: ")) << s.error().message;
  }
}

TEST(ScenarioScript, AScriptWithoutAnExpectationIsRefused) {
  EXPECT_FALSE(parse_scenario("common write a x\n", "t"));
}

TEST(ScenarioScript, AKnownDivergenceNeedsItsReason) {
  auto s = parse_scenario("expect no-conflict\nknown engine-false a\n", "t");
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("line 2"), std::string::npos) << s.error().message;
}

TEST(ScenarioScript, WriteTakesTheRestOfTheLineAsText) {
  auto s = parse_scenario("server write a  two words here\nexpect no-conflict\n", "t");
  ASSERT_TRUE(s) << s.error().message;
  ASSERT_EQ(s->steps.size(), 1u);
  EXPECT_EQ(s->steps[0].args, (std::vector<std::string>{"a", "two words here"}));
}

TEST(ScenarioScript, AStepTheTreeRefusesNamesItsLine) {
  auto s = parse_scenario("common write a x\nclient unlink b\nexpect no-conflict\n", "t");
  ASSERT_TRUE(s);
  auto d = play(*s);
  ASSERT_FALSE(d);
  EXPECT_NE(d.error().message.find("line 2"), std::string::npos) << d.error().message;
}

Divergence played(std::string_view script) {
  auto s = parse_scenario(script, "t");
  EXPECT_TRUE(s) << s.error().message;
  auto d = play(*s);
  EXPECT_TRUE(d) << d.error().message;
  return *d;
}

constexpr std::string_view kBothEdit =
    "common write a first\nserver write a the server's\nclient write a the client's\nexpect conflict a\n";

TEST(Divergence, AClientKmlHoldingAnotherHostsRecordIsRefused) {
  Divergence d = played(kBothEdit);
  d.client[0].origin = d.server_id;
  auto e = check(d);
  ASSERT_TRUE(e);
  EXPECT_NE(e->message.find("own"), std::string::npos) << e->message;
}

TEST(Divergence, CountersBeyondTheLogsAreRefused) {
  Divergence d = played(kBothEdit);
  d.server_through = d.server.size() + 1;
  EXPECT_TRUE(check(d));
  d = played(kBothEdit);
  d.client_through = 1;  // the server says it had the client's record 1, but its KML does not hold it
  auto e = check(d);
  ASSERT_TRUE(e);
  EXPECT_NE(e->message.find("through 0"), std::string::npos) << e->message;
}

void write_kml(const std::filesystem::path& path, const std::vector<kml::Record>& records) {
  auto f = posix::KmlFile::open(path);
  ASSERT_TRUE(f) << f.error().message;
  for (const auto& r : records) f->append(r);
  f->sync();
}

TEST(Divergence, KmlFilesReplayLikeTheScenarioThatWroteThem) {
  const Divergence d = played(kBothEdit);
  posix::TempDir tmp("conflicts");
  write_kml(tmp.path() / "server.kml", d.server);
  write_kml(tmp.path() / "client.kml", d.client);
  auto loaded = load_divergence(tmp.path() / "server.kml", tmp.path() / "client.kml",
                                {d.server_through, d.client_through, std::nullopt, std::nullopt});
  ASSERT_TRUE(loaded) << loaded.error().message;
  EXPECT_EQ(loaded->server_id, d.server_id);
  EXPECT_EQ(loaded->client_id, d.client_id);
  EXPECT_EQ(loaded->server, d.server);
  EXPECT_EQ(loaded->client, d.client);
  EXPECT_TRUE(loaded->contents.empty());  // a KML holds no content: it is made up

  auto r = reconnect(*loaded, replica::Policy::server_wins);
  ASSERT_TRUE(r) << r.error().message;
  const auto oracle = unison_conflicts(r->common, r->server_before, r->client_before);
  EXPECT_EQ(paths(oracle), Paths{"a"});
  const auto c = compare(*r, oracle);
  EXPECT_TRUE(c.clean());
  ASSERT_EQ(c.agreed.size(), 1u);
  EXPECT_EQ(c.agreed[0].engine.at(0).path, "a");
  EXPECT_TRUE(r->converged) << r->difference;
  EXPECT_TRUE(r->lost.empty());
}

TEST(Divergence, ATornTailIsCutAndDamageIsAnError) {
  const Divergence d = played(kBothEdit);
  posix::TempDir tmp("conflicts");
  write_kml(tmp.path() / "server.kml", d.server);
  write_kml(tmp.path() / "client.kml", d.client);
  {
    std::ofstream torn(tmp.path() / "client.kml", std::ios::app | std::ios::binary);
    torn << "half a rec";
  }
  auto loaded = load_divergence(tmp.path() / "server.kml", tmp.path() / "client.kml",
                                {d.server_through, d.client_through, std::nullopt, std::nullopt});
  ASSERT_TRUE(loaded) << loaded.error().message;
  EXPECT_EQ(loaded->client.size(), d.client.size());

  {
    std::fstream f(tmp.path() / "server.kml", std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(10);
    f.put('\x7f');  // inside record 1, with good records after it
  }
  auto damaged = load_divergence(tmp.path() / "server.kml", tmp.path() / "client.kml",
                                 {d.server_through, d.client_through, std::nullopt, std::nullopt});
  ASSERT_FALSE(damaged);
  EXPECT_NE(damaged.error().message.find("server.kml"), std::string::npos) << damaged.error().message;
}

TEST(Reconnect, ContentAClientChangedIsFoundAfterTheConflictUnderEveryPolicy) {
  const Divergence d = played(kBothEdit);
  for (auto p : {replica::Policy::server_wins, replica::Policy::client_wins, replica::Policy::manual}) {
    auto r = reconnect(d, p);
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_TRUE(r->stalled.empty()) << r->stalled;
    EXPECT_TRUE(r->lost.empty()) << replica::policy_name(p) << ": " << r->lost.front();
    EXPECT_TRUE(r->converged) << replica::policy_name(p) << ": " << r->difference;
    bool client_text_kept = false;
    for (const auto& [path, e] : r->server_after) client_text_kept |= e.content == std::string("the client's");
    EXPECT_TRUE(client_text_kept) << replica::policy_name(p);
  }
}

}  // namespace
}  // namespace izo::replay::conflicts
