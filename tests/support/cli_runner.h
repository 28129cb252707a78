#pragma once
// Runs the advlab binary built alongside the tests and captures what it printed.
#include <map>
#include <string>

namespace advlab::testing {

struct CliOutput {
  int exit_code = -1;
  std::string out, err;
};

// args are passed to a shell as they are (quote paths with spaces yourself); env adds
// variables to the binary's environment.
CliOutput run_cli(const std::string& args, const std::map<std::string, std::string>& env = {});
// The same under `ulimit -f max_file_kib` with SIGXFSZ ignored: a write past that size
// fails as on a full disk.
CliOutput run_cli_with_file_limit(const std::string& args, long max_file_kib);
// The same, killed after `seconds` (exit code 124, as coreutils' timeout gives): for runs
// that must not hang.
CliOutput run_cli_with_timeout(const std::string& args, int seconds);

}  // namespace advlab::testing
