#pragma once
// DI-FGSM, diverse-input iterative FGSM (Xie et al. 2019, "Improving Transferability of
// Adversarial Examples with Input Diversity"): at each step, with probability
// diversity_prob, the gradient is taken on a copy of the input resized (nearest
// neighbour) to a random size in [resize_rate * H, H) and randomly padded back to H x W;
// optional momentum (decay > 0 gives M-DI2-FGSM). Steps of eps/steps along the sign.
// White-box; untargeted or targeted; L-inf; images [N, C, H, W].
#include "advlab/attacks/gradient/gradient_descent.h"
#include "advlab/attacks/param_table.h"

#include <torch/arg.h>

#include <optional>

namespace advlab {

struct DifgsmOptions {
  explicit DifgsmOptions(double eps) : eps_(eps) {}
  static const ParamTable<DifgsmOptions>& table();
  double resolved_step_size(double eps) const;  // step_size, or eps / steps

  TORCH_ARG(double, eps);
  TORCH_ARG(std::string, norm) = "linf";
  TORCH_ARG(int64_t, steps) = 10;
  TORCH_ARG(std::optional<double>, step_size);
  TORCH_ARG(double, diversity_prob) = 0.5;
  TORCH_ARG(double, resize_rate) = 0.9;
  TORCH_ARG(double, decay) = 0.0;
  TORCH_ARG(std::string, loss) = "ce";
};

class Difgsm : public GradientDescentAttack {
 public:
  explicit Difgsm(DifgsmOptions options);
  nlohmann::json options_json() const override;

 protected:
  DescentSettings settings(double eps, const Bounds& bounds) const override;

 private:
  DifgsmOptions options_;
};

}  // namespace advlab
