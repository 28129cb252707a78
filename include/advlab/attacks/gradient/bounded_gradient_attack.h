#pragma once
// Shared base of eps-bounded gradient attacks (FGSM, PGD and their relatives): owns the
// threat model, the loss and the budget, and validates them once.
#include "advlab/attacks/attack.h"

namespace advlab {

class BoundedGradientAttack : public Attack {
 public:
  std::string name() const override { return name_; }

 protected:
  // Throws advlab::Error for eps < 0 or not finite, an unknown norm or loss.
  BoundedGradientAttack(std::string name, double eps, const std::string& norm, const std::string& loss);

  const ThreatModel& threat() const override { return *threat_; }
  std::optional<double> epsilon() const override { return eps_; }
  const AttackLoss& loss() const { return *loss_; }
  double eps() const { return eps_; }

 private:
  std::string name_;
  double eps_;
  std::shared_ptr<ThreatModel> threat_;
  std::shared_ptr<AttackLoss> loss_;
};

}  // namespace advlab
