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

// The first non-empty line of a library's message (LibTorch's often start with a newline
// and go on with a backtrace or source excerpt), for quoting inside an advlab::Error.
inline std::string first_message_line(const std::string& text) {
  auto start = text.find_first_not_of("\n\r ");
  if (start == std::string::npos) return {};
  return text.substr(start, text.find('\n', start) - start);
}

}  // namespace advlab

// ADVLAB_CHECK(cond, "eps must be >= 0, got ", eps): throws advlab::Error when cond is false.
#define ADVLAB_CHECK(cond, ...)                                  \
  do {                                                           \
    if (!(cond)) throw ::advlab::Error(::c10::str(__VA_ARGS__)); \
  } while (false)
