#include "advlab/threat/lp_norms.h"

#include <cmath>

namespace advlab {

torch::Tensor project_l1_ball(const torch::Tensor& v, const torch::Tensor& radius) {
  auto r = radius.to(v.dtype()).view({-1, 1});
  auto u = v.abs();
  auto inside = u.sum(1, true) <= r;
  // Duchi et al.: threshold theta so that sum(max(|v| - theta, 0)) = r.
  auto mu = std::get<0>(u.sort(1, /*descending=*/true));
  auto cs = mu.cumsum(1);
  auto j = torch::arange(1, v.size(1) + 1, v.options());
  auto positive = (mu - (cs - r) / j) > 0;
  auto rho = positive.sum(1, true).clamp_min(1);
  auto theta = (cs.gather(1, rho - 1) - r) / rho.to(v.dtype());
  auto projected = v.sign() * torch::relu(u - theta);
  return torch::where(inside, v, projected);
}

torch::Tensor L1Threat::distance(const torch::Tensor& ref, const torch::Tensor& x) const {
  return flat(x - ref).abs().sum(1);
}

torch::Tensor L1Threat::project(const torch::Tensor& ref, const torch::Tensor& x,
                                const torch::Tensor& eps) const {
  auto delta = flat(x - ref);
  return ref + project_l1_ball(delta, eps).view_as(x);
}

torch::Tensor L1Threat::normalize_grad(const torch::Tensor& g) const {
  auto gf = flat(g);
  int64_t k = std::max<int64_t>(1, static_cast<int64_t>(std::ceil(sparsity_ * gf.size(1))));
  auto magnitude = gf.abs();
  auto threshold = std::get<0>(magnitude.topk(k, 1)).narrow(1, k - 1, 1);
  auto direction = gf.sign() * (magnitude >= threshold).to(gf.dtype());
  direction = direction / direction.abs().sum(1, true).clamp_min(1e-12);
  return direction.view_as(g);
}

torch::Tensor L1Threat::ascent_direction(const torch::Tensor& g, const torch::Tensor& x, double lower,
                                        double upper) const {
  return normalize_grad(drop_outward_at_bounds(g, x, lower, upper));
}

torch::Tensor L1Threat::random_init(const torch::Tensor& ref, const torch::Tensor& eps,
                                    at::Generator& gen, const Bounds& /*bounds: the ball has its own scale*/) const {
  auto cpu = ref.options().device(torch::kCPU);
  int64_t n = ref.size(0), dim = flat(ref).size(1);
  // D+1 normalised exponentials, last one dropped: uniform in the L1 ball's simplex part.
  auto e = at::empty({n, dim + 1}, cpu).exponential_(1.0, gen);
  auto magnitudes = (e / e.sum(1, true)).narrow(1, 0, dim);
  auto signs = at::rand({n, dim}, gen, cpu).gt(0.5).to(ref.dtype()) * 2 - 1;
  auto delta = magnitudes * signs * eps.to(torch::kCPU).view({-1, 1});
  return ref + delta.view_as(ref).to(ref.device());
}

}  // namespace advlab

namespace advlab {
torch::Tensor L1Threat::dual_norm(const torch::Tensor& g) const { return flat(g).abs().amax(1); }
}  // namespace advlab
