#pragma once
// Shared loop of the iterative FGSM family (BIM, MI-FGSM, DI-FGSM): from the clean input
// (no random start), repeat steps of a fixed size along the threat model's normalised
// direction of an accumulated gradient, projecting onto the eps-ball and the bounds.
// Momentum (decay mu) accumulates L1-normalised gradients (Dong et al. 2018); input
// diversity computes the gradient on a randomly resized and padded copy of the input
// (Xie et al. 2019). With decay 0 and no diversity this is BIM (Kurakin et al. 2017).
// White-box; untargeted or targeted. A sample stops as soon as an iterate is adversarial.
#include "advlab/attacks/gradient/bounded_gradient_attack.h"

namespace advlab {

struct IterativeFgsmSettings {
  int64_t steps = 10;
  double step_size = 0;        // absolute step, > 0
  double decay = 0;            // momentum mu; 0 = plain gradient
  double diversity_prob = 0;   // probability that a step uses the transformed input
  double resize_rate = 0.9;    // transformed size drawn from [resize_rate * H, H)
};

class IterativeFgsm : public BoundedGradientAttack {
 protected:
  // Throws advlab::Error for steps < 1, step_size <= 0 (when eps > 0), decay < 0,
  // diversity_prob outside [0, 1], resize_rate outside (0, 1].
  IterativeFgsm(std::string name, double eps, const std::string& norm, const std::string& loss,
                IterativeFgsmSettings settings);

  const IterativeFgsmSettings& settings() const { return settings_; }

  torch::Tensor perturb(AttackContext& context, const torch::Tensor& x,
                        const Criterion& criterion) override;

 private:
  // Loss gradient at adv, on a diverse input with probability diversity_prob; sets
  // `plain` to whether the returned logits are those of adv itself.
  LossGradient gradient(AttackContext& context, const torch::Tensor& adv,
                        const Criterion& criterion, const torch::Tensor& active, bool& plain);

  IterativeFgsmSettings settings_;
};

// A norm name must be one of `allowed`; throws advlab::Error naming the attack otherwise.
void require_norm(const std::string& attack, const std::string& norm,
                  const std::vector<std::string>& allowed);

}  // namespace advlab
