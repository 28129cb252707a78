#pragma once
// What the user reads when a command fails: one line that names the cause.
#include <string>

namespace advlab::cli {

// The first line of a message (never a stack dump).
std::string first_line(const std::string& text);

// One line for an exception from LibTorch: the cause rather than the TorchScript
// interpreter's generic first line, and for known causes what to do about them.
std::string explain_torch_error(const std::string& what);

}  // namespace advlab::cli
