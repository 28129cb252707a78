#include "advlab/attacks/gradient/minimum_norm_attack.h"

#include "advlab/core/error.h"

#include <torch/torch.h>

#include <cmath>

namespace advlab {

MinimumNormAttack::MinimumNormAttack(std::string name, const std::string& norm,
                                     std::optional<double> eps)
    : name_(std::move(name)), threat_(make_threat_model(norm)), eps_(eps) {
  if (eps_)
    ADVLAB_CHECK(*eps_ >= 0 && std::isfinite(*eps_), name_, ": eps must be >= 0 and finite, got ", *eps_);
}

torch::Tensor MinimumNormAttack::perturb(AttackContext& context, const torch::Tensor& x,
                                         const Criterion& criterion) {
  auto adv = minimise(context, x, criterion);
  if (!eps_ || x.size(0) == 0) return adv;
  auto eps = per_sample_eps(*eps_, x);
  auto beyond = (threat().distance(x, adv) > eps).nonzero().squeeze(1);
  if (beyond.numel() == 0) return adv;
  auto far = adv.index_select(0, beyond);
  auto near = context.bounds().clip(threat().project(x.index_select(0, beyond), far, eps.index_select(0, beyond)));
  auto is_adv = criterion.select(beyond.to(torch::kCPU))->is_adversarial(context.logits(near, beyond));
  auto take = is_adv.to(adv.device()).nonzero().squeeze(1);
  return adv.index_copy(0, beyond.index_select(0, take), near.index_select(0, take));
}

nlohmann::json MinimumNormAttack::eps_json() const {
  return eps_ ? nlohmann::json(*eps_) : nlohmann::json(nullptr);
}

}  // namespace advlab
