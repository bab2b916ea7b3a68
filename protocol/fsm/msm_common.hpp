// Shared Boost.MSM machinery for the machines' .cpp files only (never include
// this from a header: MSM is heavy to compile). Each machine's front-end
// derives from Front<Derived>, whose states and events have a static `name`.
#pragma once

#include <boost/core/demangle.hpp>
#include <boost/mpl/for_each.hpp>
#include <boost/mpl/vector.hpp>
#include <boost/msm/back/state_machine.hpp>
#include <boost/msm/back/tools.hpp>
#include <boost/msm/front/functor_row.hpp>
#include <boost/msm/front/state_machine_def.hpp>

#include <string>
#include <typeinfo>
#include <vector>

#include "fsm/transition_log.hpp"
#include "util/result.hpp"

namespace izo::fsm::detail {

namespace msmf = boost::msm::front;
using msmf::none;
using msmf::Row;


// The name of the state with MSM id `id` in machine Fsm.
template <class Fsm>
std::string state_name(int id) {
  using Stt = typename Fsm::stt;
  using States = typename boost::msm::back::generate_state_set<Stt>::type;
  std::string out = "state#" + std::to_string(id);
  boost::mpl::for_each<States, boost::msm::wrap<boost::mpl::placeholders::_1>>(
      [&]<class S>(boost::msm::wrap<S>) {
        if (boost::msm::back::get_state_id<Stt, S>::value == id) out = S::name;
      });
  return out;
}

// The short name of an action type ("" for none).
template <class Act>
std::string action_name() {
  if constexpr (std::is_same_v<Act, none>) {
    return "";
  } else {
    std::string n = boost::core::demangle(typeid(Act).name());
    const auto colons = n.rfind("::");
    return colons == std::string::npos ? n : n.substr(colons + 2);
  }
}

template <class Act>
struct Do;

template <class D>
struct inner_action;
template <class Act>
struct inner_action<Do<Act>> {
  using type = Act;
};

// The rows of a transition table, as names.
template <class Front>
std::vector<Transition> table_rows(const char* machine) {
  std::vector<Transition> rows;
  boost::mpl::for_each<typename Front::transition_table,
                       boost::msm::wrap<boost::mpl::placeholders::_1>>([&]<class R>(boost::msm::wrap<R>) {
    using Target = std::conditional_t<std::is_same_v<typename R::Target, none>,
                                      typename R::Source, typename R::Target>;
    rows.push_back({machine, R::Source::name, R::Evt::name, Target::name,
                    action_name<typename inner_action<typename R::Action>::type>()});
  });
  return rows;
}

// Base of every front-end: unexpected events and exceptions become an Error
// naming the machine, the state and the event, kept for the caller.
template <class Derived>
struct Front : msmf::state_machine_def<Derived> {
  template <class Fsm, class Event>
  void no_transition(const Event&, Fsm&, int state) {
    error = Error{std::string(Derived::machine) + ": event " + Event::name + " is not expected in state " +
                  state_name<Fsm>(state)};
  }
  template <class Fsm, class Event>
  void exception_caught(const Event&, Fsm& fsm, std::exception& e) {
    error = Error{std::string(Derived::machine) + ": " + Event::name + " in state " +
                  state_name<Fsm>(fsm.current_state()[0]) + " failed: " + e.what()};
  }
  std::optional<Error> error;
};

// An action that reports the transition, then runs Act (may be none).
template <class Act>
struct Do {
  template <class Event, class Fsm, class Src, class Tgt>
  void operator()(const Event& e, Fsm& fsm, Src& src, Tgt& tgt) const {
    using To = std::conditional_t<std::is_same_v<Tgt, Src>, Src, Tgt>;
    static const std::string act = action_name<Act>();
    report_transition({Fsm::machine, Src::name, Event::name, To::name, act});
    if constexpr (!std::is_same_v<Act, none>) Act{}(e, fsm, src, tgt);
  }
};

// The back-end of a machine with its front-end's actions, as each machine's
// pimpl: started at construction; run() returns the error of an event the
// table did not expect (or whose action failed).
template <class Def>
struct MachineBox {
  using Machine = boost::msm::back::state_machine<Def>;
  template <class Actions>
  explicit MachineBox(Actions* actions) : m(actions) {
    m.start();
  }
  template <class E>
  std::optional<Error> run(const E& e) {
    m.error.reset();
    // MSM drops an event silently when rows exist for it but every guard
    // refuses it (the state is then unchanged); that is an error like any
    // unexpected event.
    if (m.process_event(e) == boost::msm::back::HANDLED_GUARD_REJECT && !m.error)
      m.error = Error{std::string(Def::machine) + ": event " + E::name + " in state " + state() +
                      ": every row's guard refuses it"};
    return m.error;
  }
  std::string state() const { return state_name<Machine>(m.current_state()[0]); }
  template <class S>
  bool in() const {
    return m.current_state()[0] == boost::msm::back::get_state_id<typename Machine::stt, S>::value;
  }
  Machine m;
};

// A row with reporting built in: Tr<From, Event, To, Action, Guard>.
template <class From, class Event, class To, class Act = none, class Guard = none>
using Tr = Row<From, Event, To, Do<Act>, Guard>;

// A row that stays in its state (an internal transition in the table).
template <class State, class Event, class Act = none, class Guard = none>
using Stay = Row<State, Event, none, Do<Act>, Guard>;

}  // namespace izo::fsm::detail

#define IZO_STATE(Type, Name)                               \
  struct Type : ::boost::msm::front::state<> {              \
    static constexpr const char* name = Name;               \
  }
