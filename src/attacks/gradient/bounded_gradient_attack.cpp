#include "advlab/attacks/gradient/bounded_gradient_attack.h"

#include "advlab/core/error.h"

#include <cmath>

namespace advlab {

BoundedGradientAttack::BoundedGradientAttack(std::string name, double eps, const std::string& norm,
                                             const std::string& loss)
    : name_(std::move(name)), eps_(eps), threat_(make_threat_model(norm)), loss_(make_loss(loss)) {
  ADVLAB_CHECK(eps >= 0 && std::isfinite(eps), name_, ": eps must be >= 0 and finite, got ", eps);
}

}  // namespace advlab
