#include "advlab/attacks/gradient/minimum_norm_attack.h"

#include "advlab/core/error.h"

#include <cmath>

namespace advlab {

MinimumNormAttack::MinimumNormAttack(std::string name, const std::string& norm,
                                     std::optional<double> eps)
    : name_(std::move(name)), threat_(make_threat_model(norm)), eps_(eps) {
  if (eps_)
    ADVLAB_CHECK(*eps_ >= 0 && std::isfinite(*eps_), name_, ": eps must be >= 0 and finite, got ", *eps_);
}

nlohmann::json MinimumNormAttack::eps_json() const {
  return eps_ ? nlohmann::json(*eps_) : nlohmann::json(nullptr);
}

}  // namespace advlab
