#include "advlab/attacks/gradient/bounded_gradient_attack.h"

namespace advlab {

BoundedGradientAttack::BoundedGradientAttack(std::string name, double eps, const std::string& norm,
                                             const std::string& loss)
    : Attack(std::move(name), Budget::of(norm, eps)), loss_(make_loss(loss)) {}

}  // namespace advlab
