# Read by ctest (TEST_INCLUDE_FILES): registers advlab_tests' cases as ctest tests. Each
# process start costs about 0.4 s (loading LibTorch), so the cases of a cheap suite run in
# one process; the suites listed in ADVLAB_SLOW_SUITES (a regex: attacks on trained models,
# CLI runs, property worlds) keep one test per case, so ctest -j spreads them over the
# cores. Variables set by CMakeLists.txt: ADVLAB_TESTS, ADVLAB_SLOW_SUITES.
execute_process(COMMAND "${ADVLAB_TESTS}" --gtest_list_tests
                OUTPUT_VARIABLE listing RESULT_VARIABLE status ERROR_VARIABLE errors)
if(NOT status EQUAL 0)
  add_test(NAME advlab_tests_listing COMMAND "${ADVLAB_TESTS}" --gtest_list_tests)
  return()
endif()

string(REPLACE "\n" ";" lines "${listing}")
set(suite "")
set(cases "")
macro(flush_suite)
  if(suite AND cases)
    string(REGEX REPLACE "\\.$" "" suite_name "${suite}")
    if(suite_name MATCHES "${ADVLAB_SLOW_SUITES}")
      foreach(case IN LISTS cases)
        add_test("${suite_name}.${case}" "${ADVLAB_TESTS}" "--gtest_filter=${suite}${case}")
        set_tests_properties("${suite_name}.${case}" PROPERTIES
                             TIMEOUT 600 FIXTURES_REQUIRED advlab_test_model ENVIRONMENT ADVLAB_THREADS=1
                             SKIP_REGULAR_EXPRESSION "\\[  SKIPPED \\]")
      endforeach()
    else()
      add_test("${suite_name}.*" "${ADVLAB_TESTS}" "--gtest_filter=${suite}*")
      set_tests_properties("${suite_name}.*" PROPERTIES
                           TIMEOUT 600 FIXTURES_REQUIRED advlab_test_model ENVIRONMENT ADVLAB_THREADS=1)
    endif()
  endif()
  set(cases "")
endmacro()

foreach(line IN LISTS lines)
  string(REGEX REPLACE "#.*$" "" line "${line}")  # parameterized cases: "name  # GetParam() = ..."
  string(STRIP "${line}" stripped)
  if(stripped STREQUAL "")
    continue()
  endif()
  if(line MATCHES "^ ")
    list(APPEND cases "${stripped}")
  else()
    flush_suite()
    set(suite "${stripped}")
  endif()
endforeach()
flush_suite()
