#pragma once
// σ-zero (Cinà, Villani, Pintor, Schönherr, Biggio, Pelillo 2024, "σ-zero: Gradient-based
// Optimization of ℓ0-norm Adversarial Examples"). Gradient descent on the perturbation
// delta of a clamped logit margin (zero once adversarial) plus a smooth stand-in for the
// L0 norm, sum_j delta_j^2 / (delta_j^2 + sigma), divided by the number of inputs. The
// gradient is L-inf-normalised per sample and fed to Adam (the authors' implementation)
// with a cosine-annealed step; after each step delta is clipped to the box and every
// component below a per-sample threshold tau is zeroed. tau grows by tau_factor * step
// while the iterate is adversarial (prune more) and shrinks while it is not.
// Everything is measured in units of the box width, so the [0, 1] defaults of the paper
// mean the same on any bounds.
// White-box; untargeted or targeted; L0 only. Minimum-norm: returns the smallest
// adversarial seen on the path; an optional eps only decides success.
#include "advlab/attacks/attack.h"
#include "advlab/attacks/param_table.h"

#include <torch/arg.h>

namespace advlab {

struct SigmaZeroOptions {
  static const ParamTable<SigmaZeroOptions>& table();

  TORCH_ARG(std::optional<double>, eps);
  TORCH_ARG(std::string, norm) = "l0";
  TORCH_ARG(int64_t, steps) = 1000;     // adv-lib's default; AttackBench's 2000 passes
  TORCH_ARG(double, lr) = 1.0;           // first step, cosine-annealed to lr / 10
  TORCH_ARG(double, sigma) = 1e-3;       // sharpness of the L0 approximation
  TORCH_ARG(double, tau_init) = 0.3;     // first pruning threshold (fraction of the box width)
  TORCH_ARG(double, tau_factor) = 0.01;  // threshold change per step, times the step size
  TORCH_ARG(int64_t, prune) = 1000;       // reversals tried per found adversarial (l0_prune.h), 0 = none
};

class SigmaZero : public Attack {
 public:
  explicit SigmaZero(SigmaZeroOptions options);
  nlohmann::json options_json() const override;
  static constexpr bool kMinimumNorm = true;
  bool minimum_norm() const override { return kMinimumNorm; }

 protected:
  torch::Tensor perturb(AttackContext& context, const torch::Tensor& x, const Criterion& criterion) override;

 private:
  SigmaZeroOptions options_;
};

}  // namespace advlab
