#pragma once
// Shared base of minimum-norm attacks (C&W, DeepFool, EAD): owns the threat model that
// measures the distance and the optional budget. perturb() returns the smallest
// adversarial found, unprojected; with eps given, the base projects and success means
// the smallest distance is <= eps. So that this holds, an adversarial beyond eps whose
// projection onto the eps-ball is still adversarial is replaced by that projection: a
// smaller adversarial the search itself missed (common for EAD, whose elastic-net
// solutions are not L1-minimal).
#include "advlab/attacks/attack.h"

namespace advlab {

class MinimumNormAttack : public Attack {
 public:
  std::string name() const override { return name_; }
  bool minimum_norm() const override { return true; }

 protected:
  // Throws advlab::Error for an unknown norm or eps < 0 / not finite.
  MinimumNormAttack(std::string name, const std::string& norm, std::optional<double> eps);

  // The smallest adversarial found for each sample of x (x itself where none), unprojected.
  virtual torch::Tensor minimise(AttackContext& context, const torch::Tensor& x,
                                 const Criterion& criterion) = 0;

  torch::Tensor perturb(AttackContext& context, const torch::Tensor& x,
                        const Criterion& criterion) final;
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
