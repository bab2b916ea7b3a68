// The command line of the replay tools (kmldump, kmldiff, kmlreplay), parsed
// the same way by each: --help on stdout, a usage error on stderr naming the
// tool and how to get help.
#pragma once

#include <CLI/CLI.hpp>

#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace izo::replay {

// Parses `args` (as main gave them, without the program name) into `app`.
// nullopt: go on. Else the exit code: `help_code` once the help (followed by
// `help_tail`) is printed on `out`, `usage_code` once the error is on `err`.
inline std::optional<int> parse_tool_args(CLI::App& app, const std::string& tool,
                                          const std::vector<std::string>& args, std::ostream& out,
                                          std::ostream& err, int help_code, int usage_code,
                                          const std::string& help_tail = {}) {
  try {
    std::vector<std::string> rev(args.rbegin(), args.rend());  // CLI11 takes them reversed
    app.parse(rev);
  } catch (const CLI::CallForHelp&) {
    out << app.help() << help_tail;
    return help_code;
  } catch (const CLI::ParseError& e) {
    err << tool << ": " << e.what() << "\n(run " << tool << " --help)\n";
    return usage_code;
  }
  return std::nullopt;
}

}  // namespace izo::replay
