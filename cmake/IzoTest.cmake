# izo_add_test(NAME SOURCES... LIBS ...): a GoogleTest (+ RapidCheck) binary
# whose tests are registered one by one with CTest.
function(izo_add_test name)
  cmake_parse_arguments(T "" "" "SOURCES;LIBS" ${ARGN})
  add_executable(${name} ${T_SOURCES})
  target_link_libraries(${name} PRIVATE ${T_LIBS} izo_warnings
                        rapidcheck rapidcheck_gtest GTest::gtest GTest::gtest_main)
  gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60
                       PROPERTIES TIMEOUT 300 LABELS unit)
endfunction()
