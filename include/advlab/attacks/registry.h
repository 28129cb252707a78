#pragma once
// The one table of attacks. It drives `advlab list-attacks`, `advlab attack --attack`,
// the docs check and the conformance tests. Attacks are registered explicitly in
// registry.cpp (no static-initialisation tricks).
#include "advlab/attacks/attack.h"
#include "advlab/attacks/param_reader.h"

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace advlab {

struct AttackSpec {
  std::string name;
  std::string help;                // one line
  std::string family;              // "white-box" | "black-box"
  std::vector<std::string> norms;  // threat models it supports
  bool targeted = true;            // supports targeted criteria
  bool minimum_norm = false;       // looks for the smallest adversarial (eps optional)
  std::function<std::unique_ptr<Attack>(ParamReader&)> factory;
  bool physical = false;           // judged over fresh random views (advlab attack --views)
  // Options without which the attack cannot run (e.g. "generator": a trained network file).
  // Suites and sweeps that build attacks from defaults skip such attacks.
  std::vector<std::string> required_options;
};

const std::vector<AttackSpec>& attack_registry();
// Throws advlab::Error for an unknown name, listing the known ones.
const AttackSpec& find_attack(const std::string& name);
// Builds an attack from key=value options (e.g. {"norm","l2"},{"eps","1.5"}); rejects
// unknown options.
std::unique_ptr<Attack> make_attack(const std::string& name,
                                    const std::map<std::string, std::string>& options);

}  // namespace advlab
