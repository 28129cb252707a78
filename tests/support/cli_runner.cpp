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
}  // namespace

CliOutput run_cli(const std::string& args, const std::map<std::string, std::string>& env) {
  auto dir = make_temp_dir("cli");
  std::string prefix;
  for (const auto& [name, value] : env) prefix += (prefix.empty() ? "env " : "") + name + "='" + value + "' ";
  std::string command = prefix + std::string(ADVLAB_BINARY) + " " + args + " >" + dir + "/out 2>" + dir + "/err";
  int status = std::system(command.c_str());
  CliOutput result;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  result.out = slurp(dir + "/out");
  result.err = slurp(dir + "/err");
  return result;
}

}  // namespace advlab::testing
