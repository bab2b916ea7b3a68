// What the state machines report about themselves, without exposing Boost.MSM:
// each transition that fires, each unexpected event, and the list of rows of
// every transition table (so tests can show every transition was exercised).
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace izo::fsm {

struct Transition {
  std::string machine, from, event, to;
  std::string action;  // tells apart rows that differ only by guard and action
  friend bool operator==(const Transition&, const Transition&) = default;
  friend auto operator<=>(const Transition&, const Transition&) = default;
};

std::string to_string(const Transition& t);

// A process-wide hook that sees every transition that fires (tests and the
// simulator use it for coverage; it is empty by default).
using TransitionHook = std::function<void(const Transition&)>;
void set_transition_hook(TransitionHook hook);
void report_transition(const Transition& t);

// The rows of each machine's table, registered by the machines themselves.
std::vector<Transition> all_transitions();

}  // namespace izo::fsm
