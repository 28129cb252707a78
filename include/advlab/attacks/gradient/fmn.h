#pragma once
// Fast Minimum-Norm attack (Pintor, Roli, Brendel, Biggio 2021, "Fast Minimum-norm
// Adversarial Attacks through Adaptive Norm Constraints"). Steps along the L2-normalised
// gradient of the logit margin (step alpha, cosine-annealed), then projects onto an
// eps-ball around the input whose radius adapts every step: while no adversarial is
// known it is set to a linear estimate of the distance to the boundary
// (||delta|| + |margin| / ||grad||_dual), then it grows by a factor (1 + gamma) from
// non-adversarial iterates and shrinks by (1 - gamma) from adversarial ones (gamma
// cosine-annealed). L0 uses integer radii (at least +-1 per step). Two additions of
// advlab's, so the walk does not stall short of the boundary: gradient components
// pushing a coordinate out of the box are dropped, and the first-phase estimate is
// multiplied by (1 + gamma) too.
// Untargeted, it also runs targeted towards each of the `target_classes` most likely
// other classes and keeps the closest adversarial (the class the margin's gradient
// heads for is often not the nearest).
// White-box; untargeted or targeted; L0, L1, L2, L-inf. Minimum-norm: returns the
// smallest adversarial seen on the path, unprojected; an optional eps only decides
// success (the base class projects), it does not steer the search.
#include "advlab/attacks/gradient/minimum_norm_attack.h"
#include "advlab/attacks/param_table.h"

#include <torch/arg.h>

namespace advlab {

struct FmnOptions {
  static const ParamTable<FmnOptions>& table();

  TORCH_ARG(std::optional<double>, eps);
  TORCH_ARG(std::string, norm) = "linf";
  TORCH_ARG(int64_t, steps) = 100;
  // First step (the L2 length of the normalised gradient step); 0 = by norm: 30 at L0,
  // where 1 barely moves the pixels the projection keeps (docs/attacks/fmn.md), else 1.
  TORCH_ARG(double, alpha_init) = 0;
  // Final step after annealing; <= 0 means alpha_init / 100.
  TORCH_ARG(double, alpha_final) = 0;
  TORCH_ARG(double, gamma_init) = 0.05;
  TORCH_ARG(double, gamma_final) = 0.001;
  TORCH_ARG(int64_t, prune) = 1000;  // L0: reversals tried per found adversarial (l0_prune.h), 0 = none
  // Untargeted: also runs towards each of the k most likely other classes and keeps the
  // closest (target_sweep.h); k + 1 runs of `steps`, AttackBench's 2000 passes at 9.
  TORCH_ARG(int64_t, target_classes) = 9;
};

class Fmn : public MinimumNormAttack {
 public:
  explicit Fmn(FmnOptions options);
  nlohmann::json options_json() const override;

 protected:
  int64_t target_classes() const override { return options_.target_classes(); }
  torch::Tensor minimise(AttackContext& context, const torch::Tensor& x, const Criterion& criterion) override;

 private:
  double alpha_init() const;   // the first step in effect (0 resolved by norm)
  double alpha_final() const;
  FmnOptions options_;
};

}  // namespace advlab
