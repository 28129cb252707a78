#include "advlab/threat/lp_norms.h"

#include "advlab/core/error.h"

#include <cmath>

namespace advlab {

namespace {

// 1 for the `count` largest entries of each row of score [N, D], 0 elsewhere. The count is
// clamped to [0, D] before the cast: eps 1e30 ("no limit") would otherwise wrap to a
// negative integer and keep nothing.
torch::Tensor top_count_mask(const torch::Tensor& score, const torch::Tensor& count) {
  auto order = score.argsort(1, /*descending=*/true);
  auto kept = count.clamp(0, static_cast<double>(score.size(1))).round().to(torch::kLong);
  auto rank_ok = torch::arange(score.size(1), score.options().dtype(torch::kLong)).view({1, -1}) <
                 kept.view({-1, 1});
  return torch::zeros_like(score).scatter(1, order, rank_ok.to(score.dtype()));
}

}  // namespace

torch::Tensor L0Threat::distance(const torch::Tensor& ref, const torch::Tensor& x) const {
  return flat(x - ref).ne(0).sum(1).to(x.dtype());
}

torch::Tensor L0Threat::project(const torch::Tensor& ref, const torch::Tensor& x,
                                const torch::Tensor& eps) const {
  auto delta = flat(x - ref);
  return ref + (delta * top_count_mask(delta.abs(), eps)).view_as(x);
}

torch::Tensor L0Threat::normalize_grad(const torch::Tensor& g) const {
  return L1Threat(0.01).normalize_grad(g);
}

torch::Tensor L0Threat::random_init(const torch::Tensor& ref, const torch::Tensor& eps,
                                    at::Generator& gen, const Bounds& bounds) const {
  auto cpu = ref.options().device(torch::kCPU);
  auto shape = flat(ref).sizes();
  auto chosen = top_count_mask(at::rand(shape, gen, cpu), eps.to(torch::kCPU));
  // Chosen coordinates move by up to the whole width of the box; the caller clips.
  auto delta = (2 * at::rand(shape, gen, cpu) - 1) * (bounds.upper - bounds.lower) * chosen;
  return ref + delta.view_as(ref).to(ref.device());
}

}  // namespace advlab

namespace advlab {
torch::Tensor L0Threat::dual_norm(const torch::Tensor&) const {
  throw Error("l0 has no dual norm: a linear boundary is not a distance away in changed pixels");
}
}  // namespace advlab
