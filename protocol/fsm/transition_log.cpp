#include "fsm/transition_log.hpp"

#include "fsm/machines.hpp"

namespace izo::fsm {
namespace {

TransitionHook& hook() {
  static TransitionHook h;
  return h;
}

}  // namespace

std::string to_string(const Transition& t) {
  return t.machine + ": " + t.from + " --" + t.event + "--> " + t.to +
         (t.action.empty() ? "" : " / " + t.action);
}

void set_transition_hook(TransitionHook h) { hook() = std::move(h); }

void report_transition(const Transition& t) {
  if (hook()) hook()(t);
}

std::vector<Transition> all_transitions() {
  std::vector<Transition> all;
  for (auto rows : {PermitClient::table(), PermitServer::table(), ClientLink::table(),
                    ServerLink::table(), ConflictCase::table()})
    all.insert(all.end(), rows.begin(), rows.end());
  return all;
}

}  // namespace izo::fsm
