#include "advlab/attacks/gradient/minimum_norm_attack.h"

#include "advlab/attacks/target_sweep.h"

namespace advlab {

MinimumNormAttack::MinimumNormAttack(std::string name, const std::string& norm,
                                     std::optional<double> eps)
    : Attack(std::move(name), Budget::of(norm, eps)) {}

torch::Tensor MinimumNormAttack::perturb(AttackContext& context, const torch::Tensor& x, const Criterion& criterion) {
  return closest_over_targets(context, threat(), x, criterion, target_classes(),
                              [&](const Criterion& goal) { return minimise(context, x, goal); });
}

nlohmann::json MinimumNormAttack::eps_json() const {
  return epsilon() ? nlohmann::json(*epsilon()) : nlohmann::json(nullptr);
}

}  // namespace advlab
