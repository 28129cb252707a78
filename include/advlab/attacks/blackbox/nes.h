#pragma once
// NES attack (Ilyas, Engstrom, Athalye, Lin 2018, "Black-box Adversarial Attacks with
// Limited Queries and Information"): the loss gradient is estimated from scores with
// natural evolution strategies (antithetic Gaussian samples of scale sigma), and PGD
// steps along the normalised estimate, projected onto the eps-ball and the bounds.
// Black-box (scores); untargeted or targeted; L-inf, L2. Each iteration costs
// `samples` + 1 queries per sample (the +1 checks the new iterate); a sample stops as
// soon as an iterate is adversarial.
#include "advlab/attacks/blackbox/black_box_attack.h"
#include "advlab/attacks/param_table.h"

#include <torch/arg.h>

namespace advlab {

struct NesOptions {
  explicit NesOptions(double eps) : eps_(eps) {}
  double absolute_step(double eps) const { return step_size() > 0 ? step_size() : eps / 5; }  // at budget eps
  static const ParamTable<NesOptions>& table();

  TORCH_ARG(double, eps);
  TORCH_ARG(std::string, norm) = "linf";
  TORCH_ARG(int64_t, queries) = 1000;  // per sample, the clean check included
  TORCH_ARG(std::string, output) = "probs";
  TORCH_ARG(int64_t, steps) = 0;  // most iterations; 0 = until the queries run out
  TORCH_ARG(std::string, loss) = "ce";  // "ce" (as in the paper) | "margin"
  TORCH_ARG(double, sigma) = 0.001;     // scale of the search distribution
  TORCH_ARG(int64_t, samples) = 20;     // queries per gradient estimate (even: antithetic pairs)
  TORCH_ARG(double, step_size) = 0;     // PGD step; <= 0 means eps / 5
};

class NesAttack : public BlackBoxAttack {
 public:
  explicit NesAttack(NesOptions options);
  nlohmann::json options_json() const override;

 protected:
  torch::Tensor attack(Oracle& oracle, const torch::Tensor& x, const Criterion& criterion) override;

 private:
  NesOptions options_;
};

}  // namespace advlab
