#include "support/cli_runner.h"

#include "support/trained_models.h"

#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace advlab::testing {

namespace {
std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

CliOutput run_command(const std::string& prefix, const std::string& args) {
  auto dir = make_temp_dir("cli");
  std::string command = prefix + std::string(ADVLAB_BINARY) + " " + args + " >" + dir + "/out 2>" + dir + "/err";
  int status = std::system(command.c_str());
  CliOutput result;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  result.out = slurp(dir + "/out");
  result.err = slurp(dir + "/err");
  return result;
}

}  // namespace

CliOutput run_cli(const std::string& args, const std::map<std::string, std::string>& env) {
  std::string prefix;
  for (const auto& [name, value] : env) prefix += (prefix.empty() ? "env " : "") + name + "='" + value + "' ";
  return run_command(prefix, args);
}

CliOutput run_cli_with_file_limit(const std::string& args, long max_file_kib) {
  // bash counts ulimit -f in KiB; an ignored SIGXFSZ stays ignored across exec.
  return run_command("bash -c 'trap \"\" XFSZ; ulimit -f " + std::to_string(max_file_kib) +
                         "; exec \"$0\" \"$@\"' ",
                     args);
}

CliOutput run_cli_with_timeout(const std::string& args, int seconds) {
  return run_command("timeout -k 5 " + std::to_string(seconds) + " ", args);
}

}  // namespace advlab::testing
