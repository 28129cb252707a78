#pragma once
// The one table of attacks. It drives `advlab list-attacks`, `advlab attack --attack`,
// the docs check and the conformance tests. Attacks are registered explicitly in
// registry.cpp (no static-initialisation tricks).
#include "advlab/attacks/attack.h"
#include "advlab/attacks/param_table.h"

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace advlab {

struct AttackSpec {
  std::string name;
  std::string help;                // one line
  std::string family;              // "white-box" | "black-box"
  bool targeted = true;            // supports targeted criteria
  bool minimum_norm = false;       // looks for the smallest adversarial (eps optional)
  bool physical = false;           // judged over fresh random views (advlab attack --views)
  // The attack's parameter table (see param_table.h); the rest below is derived from it.
  std::vector<ParamInfo> params;
  std::function<std::unique_ptr<Attack>(const ParamValues&)> factory;
  std::vector<std::string> norms;  // threat models it supports: the choices of its `norm`
  // Options without which the attack cannot run (e.g. "generator": a trained network file),
  // the table's required rows other than eps. Suites that build attacks from defaults skip
  // such attacks.
  std::vector<std::string> required_options;

  // The table's row `name`, or nullptr.
  const ParamInfo* param(const std::string& name) const;
};

const std::vector<AttackSpec>& attack_registry();
// Throws advlab::Error for an unknown name, listing the known ones.
const AttackSpec& find_attack(const std::string& name);
// Builds an attack from key=value options (e.g. {"norm","l2"},{"eps","1.5"}); rejects
// unknown options.
std::unique_ptr<Attack> make_attack(const std::string& name, const ParamValues& options);

}  // namespace advlab
