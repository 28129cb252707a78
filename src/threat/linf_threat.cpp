#include "advlab/threat/lp_norms.h"

namespace advlab {

torch::Tensor LinfThreat::distance(const torch::Tensor& ref, const torch::Tensor& x) const {
  return flat(x - ref).abs().amax(1);
}

torch::Tensor LinfThreat::project(const torch::Tensor& ref, const torch::Tensor& x,
                                  const torch::Tensor& eps) const {
  auto e = expand_like(eps, x);
  return ref + torch::max(torch::min(x - ref, e), -e);
}

torch::Tensor LinfThreat::normalize_grad(const torch::Tensor& g) const { return g.sign(); }

torch::Tensor LinfThreat::random_init(const torch::Tensor& ref, const torch::Tensor& eps,
                                      at::Generator& gen, const Bounds& /*bounds: the ball has its own scale*/) const {
  auto u = at::rand(ref.sizes(), gen, ref.options().device(torch::kCPU)).to(ref.device());
  return ref + (2 * u - 1) * expand_like(eps, ref);
}

}  // namespace advlab

namespace advlab {
torch::Tensor LinfThreat::dual_norm(const torch::Tensor& g) const { return flat(g).abs().sum(1); }
}  // namespace advlab
