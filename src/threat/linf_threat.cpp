#include "advlab/threat/lp_norms.h"

#include <ATen/Parallel.h>

#include <algorithm>

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

namespace advlab {
// PGD's L-inf step as one pass: x + step * sign(g), its change from ref clamped to
// [-eps, eps], then clamped to the bounds. Done op by op it is eight passes over the
// batch, each writing a fresh tensor (a few percent of a step on a small CNN). Each
// element goes through the same float operations in the same order as the op-by-op
// version (step rounded to float, as LibTorch does for a scalar; no FMA contraction on
// the baseline x86-64 target), so for finite inputs the results are the same bit for bit.
torch::Tensor LinfThreat::step_in_box(const torch::Tensor& ref, const torch::Tensor& x, const torch::Tensor& g,
                                      double step, const torch::Tensor& eps, double lower, double upper) const {
  const bool fused = x.device().is_cpu() && x.scalar_type() == torch::kFloat && ref.scalar_type() == torch::kFloat &&
                     g.scalar_type() == torch::kFloat && eps.scalar_type() == torch::kFloat && x.dim() >= 1 &&
                     ref.sizes() == x.sizes() && g.sizes() == x.sizes() && eps.dim() == 1 &&
                     eps.size(0) == x.size(0) && ref.device().is_cpu() && g.device().is_cpu() &&
                     eps.device().is_cpu() && !x.requires_grad() && !g.requires_grad();
  if (!fused) return ThreatModel::step_in_box(ref, x, g, step, eps, lower, upper);
  auto xc = x.contiguous(), rc = ref.contiguous(), gc = g.contiguous(), ec = eps.contiguous();
  auto out = torch::empty_like(xc);
  const int64_t rows = xc.size(0), width = rows > 0 ? xc.numel() / rows : 0;
  const float s = static_cast<float>(step), lo = static_cast<float>(lower), hi = static_cast<float>(upper);
  const float* xp = xc.data_ptr<float>();
  const float* rp = rc.data_ptr<float>();
  const float* gp = gc.data_ptr<float>();
  const float* ep = ec.data_ptr<float>();
  float* op = out.data_ptr<float>();
  at::parallel_for(0, rows, std::max<int64_t>(1, 32768 / std::max<int64_t>(width, 1)), [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      const float e = ep[i], neg = -e;
      const int64_t base = i * width;
      for (int64_t j = base; j < base + width; ++j) {
        const float sign = static_cast<float>((0.0f < gp[j]) - (gp[j] < 0.0f));
        float d = (xp[j] + s * sign) - rp[j];
        d = d < e ? d : e;
        d = d > neg ? d : neg;
        float v = rp[j] + d;
        v = v > lo ? v : lo;
        op[j] = v < hi ? v : hi;
      }
    }
  });
  return out;
}
}  // namespace advlab
