#include "advlab/attacks/gradient/minimum_norm_attack.h"

namespace advlab {

MinimumNormAttack::MinimumNormAttack(std::string name, const std::string& norm,
                                     std::optional<double> eps)
    : Attack(std::move(name), Budget::of(norm, eps)) {}

nlohmann::json MinimumNormAttack::eps_json() const {
  return epsilon() ? nlohmann::json(*epsilon()) : nlohmann::json(nullptr);
}

}  // namespace advlab
