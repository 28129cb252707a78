#pragma once
// SPSA attack (Uesato, O'Donoghue, van den Oord, Kohli 2018, "Adversarial Risk and the
// Dangers of Evaluating Against Weak Attacks"): the gradient of the margin of the scores
// is estimated with simultaneous perturbations (Rademacher directions of size delta,
// antithetic pairs), and Adam steps on the estimate, each projected onto the eps-ball
// and the bounds.
// Black-box (scores); untargeted or targeted; L-inf, L2. Each iteration costs
// `samples` + 1 queries per sample (the +1 checks the new iterate); a sample stops as
// soon as an iterate is adversarial.
#include "advlab/attacks/blackbox/black_box_attack.h"
#include "advlab/attacks/param_table.h"

#include <torch/arg.h>

namespace advlab {

struct SpsaOptions {
  explicit SpsaOptions(double eps) : eps_(eps) {}
  static const ParamTable<SpsaOptions>& table();

  TORCH_ARG(double, eps);
  TORCH_ARG(std::string, norm) = "linf";
  TORCH_ARG(int64_t, queries) = 1000;  // per sample, the clean check included
  TORCH_ARG(std::string, output) = "probs";
  TORCH_ARG(int64_t, steps) = 0;  // most iterations; 0 = until the queries run out
  TORCH_ARG(std::string, loss) = "margin";  // "margin" (as in the paper) | "ce"
  TORCH_ARG(double, delta) = 0.01;          // size of the perturbation
  TORCH_ARG(int64_t, samples) = 32;         // queries per gradient estimate (even)
  TORCH_ARG(double, learning_rate) = 0.01;  // Adam step
  TORCH_ARG(double, beta1) = 0.9;
  TORCH_ARG(double, beta2) = 0.999;
};

class SpsaAttack : public BlackBoxAttack {
 public:
  explicit SpsaAttack(SpsaOptions options);
  nlohmann::json options_json() const override;

 protected:
  torch::Tensor attack(Oracle& oracle, const torch::Tensor& x, const Criterion& criterion) override;

 private:
  SpsaOptions options_;
};

}  // namespace advlab
