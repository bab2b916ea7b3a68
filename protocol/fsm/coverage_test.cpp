// main() of protocol_core_tests: runs every test in one process with a hook
// that records which transitions fired, then fails unless every row of every
// transition table was exercised, and prints how many there are.
#include <gtest/gtest.h>

#include <iostream>
#include <set>

#include "fsm/transition_log.hpp"

namespace {

std::set<izo::fsm::Transition>& fired() {
  static std::set<izo::fsm::Transition> s;
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  izo::fsm::set_transition_hook([](const izo::fsm::Transition& t) { fired().insert(t); });
  const int rc = RUN_ALL_TESTS();
  izo::fsm::set_transition_hook({});
  if (::testing::GTEST_FLAG(filter) != "*") return rc;  // a partial run proves nothing about coverage

  const auto all = izo::fsm::all_transitions();
  std::set<izo::fsm::Transition> rows(all.begin(), all.end());
  std::size_t missing = 0;
  for (const auto& t : rows) {
    if (!fired().contains(t)) {
      std::cout << "transition never exercised: " << to_string(t) << "\n";
      ++missing;
    }
  }
  for (const auto& t : fired())
    if (!rows.contains(t)) std::cout << "fired but not in any table: " << to_string(t) << "\n";
  std::cout << "state machine transitions: " << rows.size() << " in the tables ("
            << all.size() << " rows), " << rows.size() - missing << " exercised\n";
  if (rows.size() != all.size()) {
    std::cout << "two rows of one table are indistinguishable\n";
    return 1;
  }
  return rc != 0 ? rc : (missing == 0 ? 0 : 1);
}
