// For the tools' tests: a tool's main run in-process on given arguments,
// with its exit code and what it printed on each stream.
#pragma once

#include <ostream>
#include <sstream>
#include <string>
#include <vector>

namespace izo::replay {

struct ToolRun {
  int code = 0;
  std::string out, err;
};

using ToolMain = int (*)(const std::vector<std::string>&, std::ostream&, std::ostream&);

inline ToolRun run_tool(ToolMain main, const std::vector<std::string>& args) {
  std::ostringstream out, err;
  const int code = main(args, out, err);
  return {code, out.str(), err.str()};
}

}  // namespace izo::replay
