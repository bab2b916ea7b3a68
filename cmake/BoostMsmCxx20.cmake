# Boost.MSM before 1.77 spells its constructors `state_machine<A0,...>()`, which
# C++20 (g++ >= 11) rejects. At configure time we write a corrected copy of that
# one header into the build tree and put it ahead of the system include path for
# targets that link izo_msm. Boost itself is never copied into the repository.
#
# Needs Boost_INCLUDE_DIRS and Boost_VERSION (call after find_package(Boost)).
add_library(izo_msm INTERFACE)
target_link_libraries(izo_msm INTERFACE Boost::headers)
target_compile_definitions(izo_msm INTERFACE
  BOOST_MPL_CFG_NO_PREPROCESSED_HEADERS BOOST_MPL_LIMIT_VECTOR_SIZE=50
  BOOST_MPL_LIMIT_MAP_SIZE=50
  # Boost.MSM 1.74 includes Boost headers that Boost itself deprecated
  # (boost/bind.hpp, boost/detail/no_exceptions_support.hpp); their notes
  # are about Boost's code, not ours, and buried our own warnings.
  BOOST_ALLOW_DEPRECATED_HEADERS BOOST_BIND_GLOBAL_PLACEHOLDERS)

if(Boost_VERSION VERSION_GREATER_EQUAL 1.77)
  return()
endif()

set(_msm_src "")
foreach(dir IN LISTS Boost_INCLUDE_DIRS)
  if(EXISTS "${dir}/boost/msm/back/state_machine.hpp")
    set(_msm_src "${dir}/boost/msm/back/state_machine.hpp")
    break()
  endif()
endforeach()
if(NOT _msm_src)
  message(FATAL_ERROR "Boost.MSM header boost/msm/back/state_machine.hpp not found "
                      "under ${Boost_INCLUDE_DIRS}: install libboost-dev")
endif()

set(_gen_root "${CMAKE_BINARY_DIR}/generated/boost-msm-cxx20")
set(_gen "${_gen_root}/boost/msm/back/state_machine.hpp")
file(READ "${_msm_src}" _text)
set(_ctor "state_machine<A0,A1,A2,A3,A4")
# `state_machine<A0,...,A4 >(` on one line, or the template id and `>(` split
# over two lines (with or without a macro continuation): constructor names.
string(REGEX REPLACE "\n([ \t]*)${_ctor}[ \t]*>" "\n\\1state_machine" _text "${_text}")
string(REGEX REPLACE "\n([ \t]*)${_ctor}([ \t\\\\]*)\n([ \t]*)>" "\n\\1state_machine\\2\n\\3 " _text "${_text}")
string(REGEX MATCHALL "\n[ \t]*${_ctor}" _left "${_text}")
if(_left)
  message(FATAL_ERROR "BoostMsmCxx20: could not correct every constructor in ${_msm_src}")
endif()
file(WRITE "${_gen}.tmp" "// Generated at configure time from ${_msm_src}\n// by cmake/BoostMsmCxx20.cmake: constructor names corrected for C++20.\n${_text}")
file(COPY_FILE "${_gen}.tmp" "${_gen}" ONLY_IF_DIFFERENT)
file(REMOVE "${_gen}.tmp")
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${_msm_src}")
target_include_directories(izo_msm SYSTEM BEFORE INTERFACE "${_gen_root}")
message(STATUS "Boost.MSM ${Boost_VERSION}: C++20-corrected state_machine.hpp in ${_gen_root}")
