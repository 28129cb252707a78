#pragma once
// DeepFool (Moosavi-Dezfooli, Fawzi, Frossard 2016, "DeepFool: a simple and accurate
// method to fool deep neural networks"), multi-class: linearise the logit differences
// z_k - z_y for the top `candidates` classes, step onto the nearest linearised boundary
// (distance |f_k| / ||grad f_k||_q, q the dual norm; the step is |f_k| / ||grad f_k||_q
// times the threat model's unit steepest direction: grad/||grad||_2 for L2, sign for
// L-inf), and repeat from x + (1 + overshoot) * (sum of steps) until adversarial.
// Targeted: the one boundary linearised is between the target and its strongest
// competitor (the largest other logit), so each step moves towards the target's region.
// Then `projections` rounds (SuperDeepFool, Abdollahi et al. 2024): project x onto the
// boundary's tangent plane at the closest adversarial found and run DeepFool from there;
// last, a bisection on the segment from x to the closest adversarial takes back the
// overshoot.
// White-box; untargeted or targeted; L2 and L-inf; minimum-norm (eps optional).
#include "advlab/attacks/gradient/minimum_norm_attack.h"
#include "advlab/attacks/param_table.h"

#include <torch/arg.h>

namespace advlab {

struct DeepFoolOptions {
  static const ParamTable<DeepFoolOptions>& table();

  TORCH_ARG(std::optional<double>, eps);
  TORCH_ARG(std::string, norm) = "l2";
  TORCH_ARG(int64_t, steps) = 50;
  TORCH_ARG(int64_t, candidates) = 10;  // classes considered, the original one included
  TORCH_ARG(double, overshoot) = 0.02;
  TORCH_ARG(int64_t, refine_steps) = 10;  // bisection steps back towards x at the end
  TORCH_ARG(int64_t, projections) = 6;    // rounds of projection onto the tangent plane
  TORCH_ARG(int64_t, target_classes) = 3;  // untargeted: + k targeted runs, closest kept
};

class DeepFool : public MinimumNormAttack {
 public:
  explicit DeepFool(DeepFoolOptions options);
  nlohmann::json options_json() const override;

 protected:
  int64_t target_classes() const override { return options_.target_classes(); }
  torch::Tensor minimise(AttackContext& context, const torch::Tensor& x,
                         const Criterion& criterion) override;

 private:
  DeepFoolOptions options_;
};

// The DeepFool search itself, shared with SparseFool. x [n, ...]: the samples to search
// from; rows int64 [n]: their indices in the context's batch and in `criterion`. Steps in
// `threat`'s geometry (options.norm() is not read) until adversarial or options.steps();
// coordinates where `movable` (x's shape) is 0 never move (undefined = all may). Returns
// the closest adversarial iterate of each sample, x itself where none was found; `found`
// (if given) receives bool [n]: an adversarial was found (x itself may be one).
torch::Tensor deepfool_search(AttackContext& context, const torch::Tensor& x, const torch::Tensor& rows,
                              const Criterion& criterion, const ThreatModel& threat,
                              const DeepFoolOptions& options, const torch::Tensor& movable = {},
                              torch::Tensor* found = nullptr);

}  // namespace advlab
