#pragma once
// One gradient-ascent loop for the FGSM family: FGSM, PGD, BIM, MI-FGSM and DI-FGSM are
// configurations of it (DescentSettings), not copies. Each step ascends the loss along
// the threat model's normalised direction of a (momentum-)accumulated gradient and is
// projected onto the eps-ball and the bounds:
//   - start: the clean input, or a uniform draw in the ball (Madry et al. 2018);
//   - momentum decay mu: g <- mu g + grad / ||grad||_1 (Dong et al. 2018); 0 = plain;
//   - input diversity: with probability p a step's gradient is taken through a random
//     resize-and-pad of the input (Xie et al. 2019);
//   - restarts: later runs only for samples not yet broken, always from a random start.
// A sample stops costing compute once an iterate is adversarial (that iterate is kept).
// White-box; untargeted or targeted; every norm whose ThreatModel has a direction.
#include "advlab/attacks/gradient/bounded_gradient_attack.h"
#include "advlab/core/bounds.h"

namespace advlab {

struct DescentSettings {
  int64_t steps = 10;
  double step_size = 0;        // absolute step
  bool random_start = false;
  int64_t restarts = 1;        // total runs
  double decay = 0;            // momentum mu; 0 = the plain gradient
  double diversity_prob = 0;   // probability that a step uses the transformed input
  double resize_rate = 0.9;    // transformed size drawn from [resize_rate * H, H)
  // Samples never broken come back as the last iterate (FGSM's one step) rather than as
  // the clean input (a failed iterate of a multi-step attack is worth no more).
  bool return_last_iterate = false;
};

class GradientDescentAttack : public BoundedGradientAttack {
 protected:
  using BoundedGradientAttack::BoundedGradientAttack;

  // The settings of a run with budget radius `eps` on inputs within `bounds`, from the
  // attack's options (step sizes often scale with eps or the value range).
  virtual DescentSettings settings(double eps, const Bounds& bounds) const = 0;

  torch::Tensor perturb(AttackContext& context, const torch::Tensor& x,
                        const Criterion& criterion) final;

 private:
  // One run over the samples `rows` of x; returns the last iterates of those rows.
  torch::Tensor run_once(AttackContext& context, const torch::Tensor& x, const Criterion& criterion,
                         const torch::Tensor& rows, class BestAdversarial& best,
                         const DescentSettings& s, bool random_start);
  // Loss gradient at adv, through a diverse input with probability diversity_prob; sets
  // `plain` to whether the returned logits are those of adv itself.
  LossGradient gradient(AttackContext& context, const torch::Tensor& adv, const Criterion& criterion,
                        const torch::Tensor& active, const DescentSettings& s, bool& plain);
};

}  // namespace advlab
