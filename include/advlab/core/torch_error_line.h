#pragma once
// One informative line from a torch exception. A TorchScript runtime error starts with a
// generic "operation failed in the TorchScript interpreter" and a traceback; the cause is
// the "RuntimeError: ..." line near the end.
#include <sstream>
#include <string>

namespace advlab {

inline std::string torch_error_line(const std::string& what) {
  std::istringstream lines(what);
  std::string first, line;
  std::getline(lines, first);
  while (std::getline(lines, line)) {
    auto at = line.find("Error: ");
    if (at != std::string::npos && line.rfind("Traceback", 0) != 0) return line.substr(at + 7);
  }
  return first;
}

}  // namespace advlab
