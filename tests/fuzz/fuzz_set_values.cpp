// `--set key=value` options as make_attack receives them: the first byte picks the
// attack from the registry, the rest is lines of key=value (a line without '=' is a key
// with an empty value). Only construction is fuzzed, not a run.
#include "advlab/attacks/registry.h"
#include "advlab/core/error.h"

#include <map>
#include <sstream>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const auto& registry = advlab::attack_registry();
  const auto& name = registry[data[0] % registry.size()].name;
  std::map<std::string, std::string> options;
  std::istringstream lines(std::string(reinterpret_cast<const char*>(data) + 1, size - 1));
  for (std::string line; std::getline(lines, line);) {
    auto eq = line.find('=');
    options[line.substr(0, eq)] = eq == std::string::npos ? "" : line.substr(eq + 1);
  }
  try {
    advlab::make_attack(name, options);
  } catch (const advlab::Error&) {
  }
  return 0;
}
