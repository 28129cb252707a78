#pragma once
// advlab::Error is the one exception type for bad input and misuse. Its message is a
// single line that names the problem, so the command line can print it as it is.
#include <c10/util/StringUtil.h>

#include <stdexcept>
#include <string>

namespace advlab {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace advlab

// ADVLAB_CHECK(cond, "eps must be >= 0, got ", eps): throws advlab::Error when cond is false.
#define ADVLAB_CHECK(cond, ...)                                  \
  do {                                                           \
    if (!(cond)) throw ::advlab::Error(::c10::str(__VA_ARGS__)); \
  } while (false)
