#include "advlab/threat/lp_norms.h"

namespace advlab {

torch::Tensor L2Threat::distance(const torch::Tensor& ref, const torch::Tensor& x) const {
  return flat(x - ref).norm(2, 1);
}

torch::Tensor L2Threat::project(const torch::Tensor& ref, const torch::Tensor& x,
                                const torch::Tensor& eps) const {
  auto delta = x - ref;
  auto norms = flat(delta).norm(2, 1);
  auto factor = torch::clamp_max(eps.to(norms.dtype()) / norms.clamp_min(1e-12), 1.0);
  return ref + delta * expand_like(factor, delta);
}

torch::Tensor L2Threat::normalize_grad(const torch::Tensor& g) const {
  return g / expand_like(flat(g).norm(2, 1).clamp_min(1e-12), g);
}

torch::Tensor L2Threat::random_init(const torch::Tensor& ref, const torch::Tensor& eps,
                                    at::Generator& gen, const Bounds& /*bounds: the ball has its own scale*/) const {
  auto cpu = ref.options().device(torch::kCPU);
  auto direction = normalize_grad(at::randn(ref.sizes(), gen, cpu));
  // Radius eps * u^(1/D) makes the point uniform in the ball, not just on its sphere.
  double dim = static_cast<double>(flat(ref).size(1));
  auto radius = at::rand({ref.size(0)}, gen, cpu).pow(1.0 / dim) * eps.to(torch::kCPU);
  return ref + (direction * expand_like(radius, direction)).to(ref.device());
}

}  // namespace advlab

namespace advlab {
torch::Tensor L2Threat::dual_norm(const torch::Tensor& g) const { return flat(g).norm(2, 1); }
}  // namespace advlab
