#pragma once
// Runs the advlab binary built alongside the tests and captures what it printed.
#include <string>

namespace advlab::testing {

struct CliOutput {
  int exit_code = -1;
  std::string out, err;
};

// args are passed to a shell as they are (quote paths with spaces yourself).
CliOutput run_cli(const std::string& args);
// The same under `ulimit -f max_file_kib` with SIGXFSZ ignored: a write past that size
// fails as on a full disk.
CliOutput run_cli_with_file_limit(const std::string& args, long max_file_kib);

}  // namespace advlab::testing
