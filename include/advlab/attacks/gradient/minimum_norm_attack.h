#pragma once
// Shared base of minimum-norm attacks (C&W, DeepFool, EAD): owns the threat model that
// measures the distance and the optional budget. perturb() returns the smallest
// adversarial found, unprojected; with eps given, the base projects and success means
// the smallest distance is <= eps.
#include "advlab/attacks/attack.h"

namespace advlab {

class MinimumNormAttack : public Attack {
 public:
  std::string name() const override { return name_; }
  bool minimum_norm() const override { return true; }

 protected:
  // Throws advlab::Error for an unknown norm or eps < 0 / not finite.
  MinimumNormAttack(std::string name, const std::string& norm, std::optional<double> eps);

  const ThreatModel& threat() const override { return *threat_; }
  std::optional<double> epsilon() const override { return eps_; }
  // eps for params(): the number, or null when unbounded.
  nlohmann::json eps_json() const;

 private:
  std::string name_;
  std::shared_ptr<ThreatModel> threat_;
  std::optional<double> eps_;
};

}  // namespace advlab
