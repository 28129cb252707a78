#pragma once
// What an attack may spend on each sample: a threat model (an Lp norm), the radius eps of
// its ball (none = unbounded: minimum-norm attacks then return the smallest adversarial
// they find) and a query budget (0 = unlimited; black-box attacks count every forward
// pass against it). A Budget is an argument of Attack::run, not an option of the attack,
// as in Foolbox 3: one attack object serves every eps of an evaluation.
#include "advlab/threat/threat_model.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace advlab {

struct Budget {
  std::shared_ptr<const ThreatModel> threat;
  std::optional<double> eps;
  int64_t queries = 0;

  // Throws advlab::Error for an unknown norm, eps < 0 or not finite, queries < 0.
  static Budget of(const std::string& norm, std::optional<double> eps, int64_t queries = 0);
  Budget with_eps(std::optional<double> e) const;
  Budget with_queries(int64_t q) const;
  std::string norm() const { return threat->name(); }
};

}  // namespace advlab
