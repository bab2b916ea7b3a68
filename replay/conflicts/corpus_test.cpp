// Every scenario of replay/corpus/conflicts/, under every policy: as its
// expectations say, except the (scenario, policy) pairs FINDINGS lists,
// which must still go wrong (a fix is then noticed, and the line removed).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "conflicts/compare.hpp"
#include "conflicts/scenario.hpp"

namespace izo::replay::conflicts {
namespace {

namespace fs = std::filesystem;
const fs::path kCorpus = IZO_CONFLICT_CORPUS_DIR;

std::string read(const fs::path& p) {
  std::ifstream in(p);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// "scenario policy" -> what goes wrong.
std::map<std::string, std::string> findings() {
  std::map<std::string, std::string> out;
  std::istringstream in(read(kCorpus / "FINDINGS"));
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line.front() == '#') continue;
    const auto colon = line.find(':');
    if (colon != std::string::npos) out[line.substr(0, colon)] = line.substr(colon + 1);
  }
  return out;
}

std::vector<std::string> unmet(const Scenario& s, replica::Policy p) {
  auto d = play(s);
  if (!d) return {"cannot play: " + d.error().message};
  auto r = reconnect(*d, p);
  if (!r) return {"cannot reconnect: " + r.error().message};
  const auto oracle = unison_conflicts(r->common, r->server_before, r->client_before);
  return unmet_expectations(s, oracle, compare(*r, oracle), *r);
}

TEST(ConflictCorpus, EveryScenarioIsAsExpectedUnderEveryPolicyButItsFindings) {
  auto known = findings();
  std::size_t scenarios = 0;
  for (const auto& entry : fs::directory_iterator(kCorpus)) {
    if (entry.path().extension() != ".scn") continue;
    ++scenarios;
    const auto name = entry.path().stem().string();
    auto s = parse_scenario(read(entry.path()), name);
    ASSERT_TRUE(s) << name << ": " << s.error().message;
    for (auto p : {replica::Policy::server_wins, replica::Policy::client_wins, replica::Policy::manual}) {
      const auto key = name + " " + std::string(replica::policy_name(p));
      const auto left = unmet(*s, p);
      const auto finding = known.find(key);
      if (finding == known.end()) {
        std::string why;
        for (const auto& l : left) why += "\n  " + l;
        EXPECT_TRUE(left.empty()) << key << ":" << why;
      } else {
        EXPECT_FALSE(left.empty()) << key << " is now as expected: remove it from FINDINGS (it said:"
                                   << finding->second << ")";
        known.erase(finding);
      }
    }
  }
  EXPECT_GE(scenarios, 20u);
  for (const auto& [key, why] : known) ADD_FAILURE() << "FINDINGS names " << key << ", which is no scenario";
}

}  // namespace
}  // namespace izo::replay::conflicts
