// Proves the configure-time correction of Boost.MSM (cmake/BoostMsmCxx20.cmake):
// a functor front-end machine compiles in C++20 and runs, and the project's
// rule that an unexpected event is an error (never an assert) can be kept.
#include <boost/msm/back/state_machine.hpp>
#include <boost/msm/front/functor_row.hpp>
#include <boost/msm/front/state_machine_def.hpp>
#include <gtest/gtest.h>

#include <string>

namespace {

namespace msmf = boost::msm::front;

struct Open {};
struct Close {};

struct DoorDef : msmf::state_machine_def<DoorDef> {
  struct Closed : msmf::state<> {};
  struct Opened : msmf::state<> {};
  using initial_state = Closed;

  struct transition_table
      : boost::mpl::vector<msmf::Row<Closed, Open, Opened, msmf::none, msmf::none>,
                           msmf::Row<Opened, Close, Closed, msmf::none, msmf::none>> {};

  template <class Fsm, class Event>
  void no_transition(const Event&, Fsm&, int state) {
    last_error = "no transition from state " + std::to_string(state);
  }
  std::string last_error;
};
using Door = boost::msm::back::state_machine<DoorDef>;

TEST(BoostMsmCxx20, FunctorMachineCompilesAndRunsInCxx20) {
  static_assert(__cplusplus >= 202002L, "this test must be built as C++20");
  Door door;
  door.start();
  EXPECT_EQ(door.current_state()[0], 0);
  door.process_event(Open{});
  EXPECT_EQ(door.current_state()[0], 1);
  door.process_event(Open{});  // unexpected: reported, not asserted
  EXPECT_EQ(door.last_error, "no transition from state 1");
  door.process_event(Close{});
  EXPECT_EQ(door.current_state()[0], 0);
}

}  // namespace
