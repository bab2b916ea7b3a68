#include "crashpoints/ace.hpp"

namespace izo::replay::crashpoints {

using conflicts::ScenarioStep;

std::vector<ScenarioStep> ace_operations(const std::string& side, int n) {
  const std::string text = side + " text " + std::to_string(n);
  return {
      {0, side, "write", {"A", text}},     {0, side, "write", {"B", text}},  {0, side, "write", {"D/C", text}},
      {0, side, "unlink", {"A"}},          {0, side, "rename", {"A", "B"}},  {0, side, "rename", {"A", "D/A"}},
      {0, side, "chmod", {"A", "600"}},    {0, side, "symlink", {"L", "A"}}, {0, side, "mkdir", {"E"}},
      {0, side, "rmdir", {"D"}},           {0, side, "rename", {"D", "E"}},
  };
}

namespace {

std::string step_text(const ScenarioStep& s) {
  std::string out = s.op;
  for (std::size_t i = 0; i < s.args.size(); ++i)
    out += " " + (s.op == "write" && i == 1 ? std::string("...") : s.args[i]);
  return out;
}

void extend(AceSet& set, conflicts::Scenario& s, const std::string& side, int max_ops) {
  const int depth = static_cast<int>(s.steps.size()) - 2;  // after the two common steps
  if (depth == max_ops) return;
  const std::size_t choices = ace_operations(side, 0).size();
  for (std::size_t i = 0; i < choices; ++i) {
    s.steps.push_back(ace_operations(side, depth + 1)[i]);
    ++set.sequences;
    auto d = conflicts::play(s);
    if (!d) {
      ++set.pruned;  // cannot be made, nor any longer sequence that starts with it
    } else {
      std::string name = side + ":";
      for (std::size_t k = 2; k < s.steps.size(); ++k) name += (k == 2 ? " " : "; ") + step_text(s.steps[k]);
      set.workloads.push_back({std::move(name), std::move(*d)});
      extend(set, s, side, max_ops);
    }
    s.steps.pop_back();
  }
}

}  // namespace

AceSet ace_workloads(int max_ops, const std::string& side) {
  AceSet set;
  conflicts::Scenario s;
  s.name = "ace";
  s.steps.push_back({0, "common", "write", {"A", "common text"}});
  s.steps.push_back({0, "common", "mkdir", {"D"}});
  extend(set, s, side, max_ops);
  return set;
}

}  // namespace izo::replay::crashpoints
