#pragma once
// Carlini-Wagner L2 (Carlini & Wagner 2017, "Towards Evaluating the Robustness of Neural
// Networks"): minimise ||x' - x||_2^2 + c * max(Z_y - max_{j!=y} Z_j + kappa, 0)
// (targeted: max(max_{j!=t} Z_j - Z_t + kappa, 0)) with Adam, and a per-sample binary
// search over c. The paper keeps x' inside the model's bounds with the change of
// variables x' = lower + (upper - lower) * (tanh(w) + 1) / 2 (box=tanh); advlab's default
// runs Adam on x' and clips it to the bounds (box=clip: closer adversarials within the
// same steps, docs/attacks/cw.md). advlab's defaults for a small budget: the learning
// rate decays (cosine) within each run, each value of c after the first starts from the
// closest adversarial found, and a bisection on the segment from x to the closest
// adversarial (margin >= kappa) ends the attack; abort_early (stop a sample's run when
// its objective stalls) is optional.
// White-box; untargeted or targeted; L2; minimum-norm (eps optional).
#include "advlab/attacks/gradient/minimum_norm_attack.h"
#include "advlab/attacks/param_table.h"

#include <torch/arg.h>

namespace advlab {

struct CarliniWagnerOptions {
  static const ParamTable<CarliniWagnerOptions>& table();
  double effective_learning_rate() const;

  TORCH_ARG(std::optional<double>, eps);
  TORCH_ARG(std::string, norm) = "l2";
  TORCH_ARG(int64_t, steps) = 100;        // Adam steps per value of c
  TORCH_ARG(int64_t, search_steps) = 9;   // values of c tried
  TORCH_ARG(double, initial_const) = 1.0;
  TORCH_ARG(double, learning_rate) = 0;   // 0: by box (clip 0.05, tanh 0.2)
  TORCH_ARG(double, confidence) = 0;      // kappa
  TORCH_ARG(bool, abort_early) = false;
  TORCH_ARG(double, lr_final) = 0.1;      // learning rate at a run's last step / the first
  TORCH_ARG(bool, warm_start) = true;     // later values of c start from the closest adversarial
  TORCH_ARG(std::string, box) = "clip";   // clip: Adam on x', clipped; tanh: the paper's change of variables
  TORCH_ARG(int64_t, refine_steps) = 10;  // bisection steps back towards x at the end
  TORCH_ARG(int64_t, target_classes) = 0;  // untargeted: + k targeted runs, closest kept
};

class CarliniWagner : public MinimumNormAttack {
 public:
  explicit CarliniWagner(CarliniWagnerOptions options);
  nlohmann::json options_json() const override;

 protected:
  int64_t target_classes() const override { return options_.target_classes(); }
  torch::Tensor minimise(AttackContext& context, const torch::Tensor& x,
                         const Criterion& criterion) override;

 private:
  // One Adam run at constants c [n]; returns bool [n]: found an adversarial.
  torch::Tensor optimise(AttackContext& context, const torch::Tensor& x, const torch::Tensor& w0,
                         const Criterion& criterion, const torch::Tensor& c,
                         class BestAdversarial& best, int64_t& iterations);

  CarliniWagnerOptions options_;
};

}  // namespace advlab
