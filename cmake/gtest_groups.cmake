# Registers the GoogleTest suites of a test binary with CTest, one process per suite.
#
# Why not gtest_discover_tests' one process per test: every process pays LibTorch's start-up
# (about 0.45 s of operator registration), which was a quarter of the suite's CPU time over
# 682 tests. Suites whose tests each take many seconds stay one test per process, so that
# `ctest -j` can spread them over the cores; they are registered first, because CTest
# starts tests in the order they were added when it has no timings yet (a fresh clone).
#
# A suite with more than GROUP_SIZE tests (the parameterised conformance cases) runs as
# chunks of GROUP_SIZE tests, named Suite.*#1, Suite.*#2, ...
#
# Run as a script after the test binary is built:
#   cmake -D TEST_BINARY=... -D OUTPUT=... -D SPLIT_SUITES="A|B" -D GROUP_SIZE=n
#         -D GROUP_TIMEOUT=s -D TEST_TIMEOUT=s -D PROPERTIES_FILE=... -P gtest_groups.cmake
# PROPERTIES_FILE holds the set_tests_properties arguments every registered test gets.

cmake_policy(VERSION 3.18)

execute_process(COMMAND "${TEST_BINARY}" --gtest_list_tests
                OUTPUT_VARIABLE listing RESULT_VARIABLE status TIMEOUT 60)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "${TEST_BINARY} --gtest_list_tests failed (${status})")
endif()
string(REPLACE "|" ";" split_suites "${SPLIT_SUITES}")
file(READ "${PROPERTIES_FILE}" common_properties)

# --gtest_list_tests prints "Suite." lines, then "  Test" lines; parameterised entries carry
# a "  # GetParam() = ..." comment.
string(REPLACE ";" "\\;" listing "${listing}")
string(REPLACE "\n" ";" lines "${listing}")
set(suite "")
set(suites "")
foreach(line IN LISTS lines)
  string(REGEX REPLACE "  *#.*$" "" line "${line}")
  if(line MATCHES "^([^ ].*)\\.$")
    set(suite "${CMAKE_MATCH_1}")
    string(MD5 key "${suite}")
    list(APPEND suites "${suite}")
    set(tests_${key} "")
  elseif(line MATCHES "^  (.+)$")
    set(test "${CMAKE_MATCH_1}")
    if(NOT test MATCHES "^DISABLED_")
      list(APPEND tests_${key} "${suite}.${test}")
    endif()
  endif()
endforeach()

set(split_entries "")
set(grouped_entries "")
foreach(suite IN LISTS suites)
  string(MD5 key "${suite}")
  set(tests ${tests_${key}})
  list(LENGTH tests count)
  if(count EQUAL 0)
    continue()
  elseif(suite IN_LIST split_suites)
    list(APPEND split_entries ${tests})
  elseif(count LESS_EQUAL GROUP_SIZE)
    list(APPEND grouped_entries "${suite}.*=${suite}.*")
  else()
    set(chunk 0)
    set(start 0)
    while(start LESS count)
      math(EXPR chunk "${chunk} + 1")
      list(SUBLIST tests ${start} ${GROUP_SIZE} head)
      list(JOIN head ":" filter)
      list(APPEND grouped_entries "${suite}.*#${chunk}=${filter}")
      math(EXPR start "${start} + ${GROUP_SIZE}")
    endwhile()
  endif()
endforeach()

set(script "")
macro(register name filter timeout)
  string(APPEND script "add_test([==[${name}]==] [==[${TEST_BINARY}]==] [==[--gtest_filter=${filter}]==])\n"
         "set_tests_properties([==[${name}]==] PROPERTIES TIMEOUT ${timeout} ${common_properties})\n")
endmacro()
foreach(test IN LISTS split_entries)
  register("${test}" "${test}" ${TEST_TIMEOUT})
endforeach()
foreach(entry IN LISTS grouped_entries)
  string(REGEX MATCH "^([^=]*)=(.*)$" _ "${entry}")
  register("${CMAKE_MATCH_1}" "${CMAKE_MATCH_2}" ${GROUP_TIMEOUT})
endforeach()
file(WRITE "${OUTPUT}" "${script}")
