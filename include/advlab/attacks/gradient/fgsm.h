#pragma once
// FGSM / FGM (Goodfellow et al. 2015, "Explaining and Harnessing Adversarial Examples"):
// one step of size eps along the threat model's normalised loss gradient.
// White-box; untargeted or targeted; L-inf (sign of the gradient), L2 and L1.
#include "advlab/attacks/gradient/bounded_gradient_attack.h"
#include "advlab/attacks/param_reader.h"

#include <torch/arg.h>

namespace advlab {

struct FgsmOptions {
  explicit FgsmOptions(double eps) : eps_(eps) {}
  static FgsmOptions from_params(ParamReader& params);

  TORCH_ARG(double, eps);
  TORCH_ARG(std::string, norm) = "linf";
  TORCH_ARG(std::string, loss) = "ce";
};

class Fgsm : public BoundedGradientAttack {
 public:
  explicit Fgsm(FgsmOptions options);
  nlohmann::json params() const override;

 protected:
  torch::Tensor perturb(AttackContext& context, const torch::Tensor& x,
                        const Criterion& criterion) override;

 private:
  FgsmOptions options_;
};

}  // namespace advlab
