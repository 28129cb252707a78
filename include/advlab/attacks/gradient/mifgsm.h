#pragma once
// MI-FGSM, momentum iterative FGSM (Dong et al. 2018, "Boosting Adversarial Attacks with
// Momentum"): g <- mu * g + grad / ||grad||_1, then a step of eps/steps along sign(g)
// (L-inf) or g / ||g||_2 (L2), projected onto the eps-ball and the bounds.
// White-box; untargeted or targeted; L-inf and L2.
#include "advlab/attacks/gradient/gradient_descent.h"
#include "advlab/attacks/param_table.h"

#include <torch/arg.h>

#include <optional>

namespace advlab {

struct MifgsmOptions {
  explicit MifgsmOptions(double eps) : eps_(eps) {}
  static const ParamTable<MifgsmOptions>& table();
  double resolved_step_size(double eps) const;  // step_size, or eps / steps

  TORCH_ARG(double, eps);
  TORCH_ARG(std::string, norm) = "linf";
  TORCH_ARG(int64_t, steps) = 10;
  TORCH_ARG(std::optional<double>, step_size);
  TORCH_ARG(double, decay) = 1.0;
  TORCH_ARG(std::string, loss) = "ce";
};

class Mifgsm : public GradientDescentAttack {
 public:
  explicit Mifgsm(MifgsmOptions options);
  nlohmann::json options_json() const override;

 protected:
  DescentSettings settings(double eps, const Bounds& bounds) const override;

 private:
  MifgsmOptions options_;
};

}  // namespace advlab
