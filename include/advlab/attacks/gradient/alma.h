#pragma once
// ALMA, the Augmented Lagrangian Method for Adversarial attacks (Rony, Granger, Pedersoli,
// Ben Ayed 2021, "Augmented Lagrangian Adversarial Attacks", ICCV). Minimises
// ||delta|| subject to y(x + delta) <= 0, with y the difference of logits ratio turned
// into a constraint (negative exactly when adversarial), by gradient steps on the
// augmented Lagrangian ||delta|| + P2(y, rho, mu) (penalty_lagrangian.h). Per sample: the
// multiplier mu is a moving average (alpha) of P2's slope at the current y; the penalty
// parameter rho grows by gamma every check_steps steps unless an adversarial has been
// found or y fell below tau times its value at the last check. The optimiser is RMSProp
// with momentum as in the authors' implementation; the learning rate of a sample stays
// at lr_init (or the rate whose first step moves by init_lr_distance) until its first
// adversarial, then decays exponentially to lr_init * lr_reduction at the last step.
// White-box; untargeted or targeted; L2 and L1. Minimum-norm: returns the smallest
// adversarial seen on the path; an optional eps only decides success.
#include "advlab/attacks/gradient/minimum_norm_attack.h"
#include "advlab/attacks/param_table.h"

#include <torch/arg.h>

namespace advlab {

struct AlmaOptions {
  static const ParamTable<AlmaOptions>& table();

  TORCH_ARG(std::optional<double>, eps);
  TORCH_ARG(std::string, norm) = "l2";
  TORCH_ARG(int64_t, steps) = 200;  // per run: five runs (target_classes 4) are 2000 passes
  TORCH_ARG(double, lr_init) = 0.1;          // per coordinate, a fraction of the box width
  TORCH_ARG(double, lr_reduction) = 0.01;    // final rate = lr_init * lr_reduction
  TORCH_ARG(std::optional<double>, init_lr_distance);  // > 0: first step moves this far; none = per norm
  TORCH_ARG(double, mu_init) = 1;
  TORCH_ARG(double, rho_init) = 1;
  TORCH_ARG(int64_t, check_steps) = 10;
  TORCH_ARG(double, tau) = 0.95;             // improvement asked of y between checks
  TORCH_ARG(double, gamma) = 1.2;            // rho's growth when it is not met
  TORCH_ARG(double, alpha) = 0.9;            // moving averages: mu, RMSProp, momentum
  TORCH_ARG(int64_t, target_classes) = 4;  // untargeted: + k targeted runs, closest kept
};

class Alma : public MinimumNormAttack {
 public:
  explicit Alma(AlmaOptions options);
  nlohmann::json options_json() const override;

 protected:
  int64_t target_classes() const override { return options_.target_classes(); }
  torch::Tensor minimise(AttackContext& context, const torch::Tensor& x, const Criterion& criterion) override;

 private:
  double init_lr_distance() const;  // the option, or its per-norm default

  AlmaOptions options_;
};

}  // namespace advlab
