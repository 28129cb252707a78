#pragma once
// ZOO (Chen, Zhang, Sharma, Yi, Hsieh 2017, "ZOO: Zeroth Order Optimization based
// Black-box Attacks to Deep Neural Networks without Training Substitute Models"): each
// iteration picks `coordinates` random pixels per sample, estimates the gradient and the
// second derivative of the C&W-style loss on log-probabilities along each by symmetric
// differences of step h, and updates those coordinates with coordinate-wise Adam
// (ZOO-ADAM) or Newton steps (ZOO-Newton). The C&W distortion term is replaced by the
// eps-ball: every iterate is projected onto it and the bounds.
// Black-box (scores); untargeted or targeted; L-inf, L2. Each iteration costs
// 2 * coordinates + 1 queries per sample (the +1 checks the current iterate); a sample
// stops as soon as an iterate is adversarial.
#include "advlab/attacks/blackbox/black_box_attack.h"
#include "advlab/attacks/param_table.h"

#include <torch/arg.h>

namespace advlab {

struct ZooOptions {
  explicit ZooOptions(double eps) : eps_(eps) {}
  // The step in effect: the option, or eps (L-inf: the first step of a coordinate reaches
  // the boundary) / 2 eps / sqrt(queries / 2) (L2: the budget's coordinate steps, about
  // queries / 2, add up to about 2 eps).
  double step(const Budget& budget) const;  // the learning rate in effect under `budget`
  static const ParamTable<ZooOptions>& table();

  TORCH_ARG(double, eps);
  TORCH_ARG(std::string, norm) = "linf";
  TORCH_ARG(int64_t, queries) = 1000;  // per sample, the clean check included
  TORCH_ARG(std::string, output) = "probs";
  TORCH_ARG(int64_t, steps) = 0;  // most iterations; 0 = until the queries run out
  TORCH_ARG(std::string, solver) = "adam";  // "adam" | "newton"
  TORCH_ARG(int64_t, coordinates) = 8;      // coordinates updated per iteration
  TORCH_ARG(double, learning_rate) = 0;     // <= 0: see step()
  TORCH_ARG(double, h) = 1e-4;              // finite-difference step
  TORCH_ARG(double, confidence) = 0;        // kappa of the C&W loss
  TORCH_ARG(double, beta1) = 0.9;
  TORCH_ARG(double, beta2) = 0.999;
};

class ZooAttack : public BlackBoxAttack {
 public:
  explicit ZooAttack(ZooOptions options);
  nlohmann::json options_json() const override;

 protected:
  torch::Tensor attack(Oracle& oracle, const torch::Tensor& x, const Criterion& criterion) override;

 private:
  ZooOptions options_;
};

}  // namespace advlab
