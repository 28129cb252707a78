#pragma once
// Shared base of eps-bounded gradient attacks (FGSM, PGD and their relatives): owns the
// loss; the threat model and eps come with each run's budget.
#include "advlab/attacks/attack.h"

namespace advlab {

class BoundedGradientAttack : public Attack {
 protected:
  // Throws advlab::Error for eps < 0 or not finite, an unknown norm or loss.
  BoundedGradientAttack(std::string name, double eps, const std::string& norm, const std::string& loss);

  const AttackLoss& loss() const { return *loss_; }

 private:
  std::shared_ptr<AttackLoss> loss_;
};

}  // namespace advlab
