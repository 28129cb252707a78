#pragma once
// FGSM / FGM (Goodfellow et al. 2015, "Explaining and Harnessing Adversarial Examples"):
// one step of size eps along the threat model's normalised loss gradient.
// White-box; untargeted or targeted; L-inf (sign of the gradient), L2 and L1.
#include "advlab/attacks/gradient/gradient_descent.h"
#include "advlab/attacks/param_table.h"

#include <torch/arg.h>

namespace advlab {

struct FgsmOptions {
  explicit FgsmOptions(double eps) : eps_(eps) {}
  static const ParamTable<FgsmOptions>& table();

  TORCH_ARG(double, eps);
  TORCH_ARG(std::string, norm) = "linf";
  TORCH_ARG(std::string, loss) = "ce";
};

class Fgsm : public GradientDescentAttack {
 public:
  explicit Fgsm(FgsmOptions options);
  nlohmann::json options_json() const override;

 protected:
  DescentSettings settings(double eps, const Bounds& bounds) const override;

 private:
  FgsmOptions options_;
};

}  // namespace advlab
