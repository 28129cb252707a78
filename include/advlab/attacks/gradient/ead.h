#pragma once
// EAD, the elastic-net attack (Chen, Sharma, Zhang, Yi, Hsieh 2018, "EAD: Elastic-Net
// Attacks to Deep Neural Networks via Adversarial Examples"): minimise
// c * max(Z_y - max_{j!=y} Z_j + kappa, 0) + ||x' - x||_2^2 + beta * ||x' - x||_1 by
// ISTA / FISTA: a gradient step on the smooth part (learning rate decaying as
// sqrt(1 - k/steps)), then the projected shrinkage-thresholding S_beta, which resets to
// x every coordinate that moved by at most beta and clips to the bounds. A per-sample
// binary search over c; among adversarials the smallest by the decision rule is kept
// (EN: ||d||_2^2 + beta ||d||_1, or L1). White-box; untargeted or targeted; L1;
// minimum-norm (eps optional).
#include "advlab/attacks/gradient/minimum_norm_attack.h"
#include "advlab/attacks/param_table.h"

#include <torch/arg.h>

namespace advlab {

struct EadOptions {
  static const ParamTable<EadOptions>& table();

  TORCH_ARG(std::optional<double>, eps);
  TORCH_ARG(std::string, norm) = "l1";
  TORCH_ARG(int64_t, steps) = 100;        // iterations per value of c
  TORCH_ARG(int64_t, search_steps) = 3;   // values of c tried per run (three runs: 1800 passes)
  TORCH_ARG(double, initial_const) = 1.0;
  TORCH_ARG(double, learning_rate) = 0.01;
  TORCH_ARG(double, beta) = 0.01;         // L1 weight and shrinkage threshold
  TORCH_ARG(double, confidence) = 0;      // kappa
  TORCH_ARG(std::string, decision_rule) = "l1";  // "l1" or "en"
  TORCH_ARG(bool, fista) = true;          // false: plain ISTA
  TORCH_ARG(bool, abort_early) = false;  // stopping on a stall cost 0.07 optimality
  TORCH_ARG(int64_t, target_classes) = 2;  // untargeted: + k targeted runs, closest kept
};

class Ead : public MinimumNormAttack {
 public:
  explicit Ead(EadOptions options);
  nlohmann::json options_json() const override;

 protected:
  int64_t target_classes() const override { return options_.target_classes(); }
  torch::Tensor minimise(AttackContext& context, const torch::Tensor& x,
                         const Criterion& criterion) override;

 private:
  // One ISTA/FISTA run at constants c [n]; returns bool [n]: found an adversarial.
  torch::Tensor optimise(AttackContext& context, const torch::Tensor& x,
                         const Criterion& criterion, const torch::Tensor& c,
                         class BestAdversarial& best, int64_t& iterations);

  EadOptions options_;
};

}  // namespace advlab
