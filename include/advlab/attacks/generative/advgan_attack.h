#pragma once
// AdvGAN attack (Xiao et al. 2018, "Generating Adversarial Examples with Adversarial
// Networks"): a generator trained beforehand (advlab advgan train) maps each image to its
// perturbation in one forward pass; x + delta is clipped to the bounds and, when a smaller
// eps is asked for than the generator was trained with, projected onto that ball.
// White-box family (the generator was trained with the target's gradients, or distilled
// from its answers); untargeted or targeted (a generator trained for a fixed target is
// reported against whatever criterion is given); L-inf, L2 (the generator's own norm).
#include "advlab/attacks/attack.h"
#include "advlab/attacks/param_table.h"
#include "advlab/attacks/generative/perturbation_generator.h"

#include <torch/arg.h>

#include <optional>

namespace advlab::gan {

struct AdvGanAttackOptions {
  explicit AdvGanAttackOptions(std::string generator) : generator_(std::move(generator)) {}
  static const ParamTable<AdvGanAttackOptions>& table();

  TORCH_ARG(std::string, generator);    // TorchScript file from advlab advgan train
  TORCH_ARG(std::optional<double>, eps);  // none: the generator's
  TORCH_ARG(std::string, norm) = "";    // empty: the generator's; else must match it
};

class AdvGanAttack : public Attack {
 public:
  explicit AdvGanAttack(AdvGanAttackOptions options);
  nlohmann::json options_json() const override;

 protected:
  torch::Tensor perturb(AttackContext& context, const torch::Tensor& x, const Criterion& criterion) override;

 private:
  AdvGanAttack(AdvGanAttackOptions options, AdvGanGenerator generator);

  AdvGanAttackOptions options_;
  AdvGanGenerator generator_;
};

}  // namespace advlab::gan
