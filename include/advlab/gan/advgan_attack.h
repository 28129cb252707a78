#pragma once
// AdvGAN attack (Xiao et al. 2018, "Generating Adversarial Examples with Adversarial
// Networks"): a generator trained beforehand (advlab advgan train) maps each image to its
// perturbation in one forward pass; x + delta is clipped to the bounds and, when a smaller
// eps is asked for than the generator was trained with, projected onto that ball.
// White-box family (the generator was trained with the target's gradients, or distilled
// from its answers); untargeted or targeted (a generator trained for a fixed target is
// reported against whatever criterion is given); L-inf, L2 (the generator's own norm).
#include "advlab/attacks/attack.h"
#include "advlab/attacks/param_reader.h"
#include "advlab/gan/advgan_networks.h"

#include <torch/arg.h>

#include <optional>

namespace advlab::gan {

struct AdvGanAttackOptions {
  explicit AdvGanAttackOptions(std::string generator) : generator_(std::move(generator)) {}
  static AdvGanAttackOptions from_params(ParamReader& params);

  TORCH_ARG(std::string, generator);    // TorchScript file from advlab advgan train
  TORCH_ARG(std::optional<double>, eps);  // none: the generator's
  TORCH_ARG(std::string, norm) = "";    // empty: the generator's; else must match it
};

class AdvGanAttack : public Attack {
 public:
  explicit AdvGanAttack(AdvGanAttackOptions options);
  std::string name() const override { return "advgan"; }
  nlohmann::json params() const override;

 protected:
  torch::Tensor perturb(AttackContext& context, const torch::Tensor& x, const Criterion& criterion) override;
  const ThreatModel& threat() const override { return *threat_; }
  std::optional<double> epsilon() const override { return eps_; }

 private:
  AdvGanAttackOptions options_;
  AdvGanGenerator generator_;
  double eps_ = 0;
  std::shared_ptr<ThreatModel> threat_;
};

}  // namespace advlab::gan
