#include "advlab/threat/lp_norms.h"

#include <torch/torch.h>

#include <algorithm>

namespace advlab {

namespace {

// The projection is d_i = sign(v_i) * clamp(a_i - lambda, 0, cap_i), a = |v|, cap_i the
// room the box leaves in v_i's direction, with the smallest lambda >= 0 that brings
// ||d||_1 down to r (Croce & Hein 2021). f(lambda) = sum_i clamp(a_i - lambda, 0, cap_i)
// is piecewise linear and non-increasing on lambda >= 0: from f(0) = sum_i min(a_i, cap_i)
// its slope steepens by one at max(a_i - cap_i, 0) (the coordinate leaves its cap) and
// flattens by one at a_i (it reaches 0). Sorting those points gives f at each of them;
// lambda lies on the segment where f crosses r. A coordinate with v_i = 0 adds two points
// at 0 and nothing to f, so the rows may be given only some of their columns: the result
// does not depend on how many zeros came along. In double: the running sums over D
// coordinates would lose the last digits in float.
// a, cap [N, M] (M columns of the rows), f0 = f(0) and r [N, 1]; returns the new |d|.
torch::Tensor shrink_to_radius(const torch::Tensor& a, const torch::Tensor& cap, const torch::Tensor& f0,
                               const torch::Tensor& r) {
  auto points = torch::cat({(a - cap).clamp_min(0), a}, 1);
  auto change = torch::cat({torch::ones_like(a), -torch::ones_like(a)}, 1);
  auto sorted_order = points.sort(1);
  auto sorted = std::get<0>(sorted_order);
  auto slope = change.gather(1, std::get<1>(sorted_order)).cumsum(1);  // -f' just after each point
  const int64_t m = sorted.size(1);
  auto gaps = sorted.narrow(1, 1, m - 1) - sorted.narrow(1, 0, m - 1);
  // f at the first point is f(0): below it every coordinate sits at min(a_i, cap_i).
  auto f = torch::cat({f0, f0 - (slope.narrow(1, 0, m - 1) * gaps).cumsum(1)}, 1);
  // f ends at 0 <= r, so a first point with f <= r exists; lambda lies just before it.
  auto first = (f <= r).to(torch::kLong).argmax(1, true);
  auto before = (first - 1).clamp_min(0);
  auto lambda = sorted.gather(1, before) + (f.gather(1, before) - r) / slope.gather(1, before).clamp_min(1);
  return (a - lambda.clamp_min(0)).clamp_min(0).minimum(cap);
}

}  // namespace

torch::Tensor project_l1_ball_in_box(const torch::Tensor& v, const torch::Tensor& radius, const torch::Tensor& lo,
                                     const torch::Tensor& hi) {
  auto vd = v.to(torch::kDouble);
  auto a = vd.abs();
  auto cap = torch::where(vd > 0, hi.to(torch::kDouble).expand_as(vd), -lo.to(torch::kDouble).expand_as(vd))
                 .clamp_min(0);
  auto r = radius.to(v.device(), torch::kDouble).view({-1, 1}).expand({v.size(0), 1});
  auto clipped = a.minimum(cap);
  auto f0 = clipped.sum(1, true);
  auto result = clipped.clone();
  auto outside = (f0 > r).squeeze(1);
  // Rows whose nonzeros fit in a quarter of the columns sort only their largest-|v|
  // columns (a sparse step on a sparse perturbation: often a few percent of D); the
  // others sort all of them.
  const int64_t d = v.size(1);
  auto nonzeros = (a > 0).sum(1);
  for (bool sparse : {true, false}) {
    auto rows = (outside & (sparse ? nonzeros <= d / 4 : nonzeros > d / 4)).nonzero().squeeze(1);
    if (rows.numel() == 0) continue;
    auto ar = a.index_select(0, rows), capr = cap.index_select(0, rows);
    auto f0r = f0.index_select(0, rows), rr = r.index_select(0, rows);
    if (sparse) {
      const int64_t k = std::max<int64_t>(nonzeros.index_select(0, rows).max().item<int64_t>(), 1);
      auto columns = std::get<1>(ar.topk(k, 1));
      auto shrunk = shrink_to_radius(ar.gather(1, columns), capr.gather(1, columns), f0r, rr);
      result.index_copy_(0, rows, torch::zeros_like(ar).scatter_(1, columns, shrunk));
    } else {
      result.index_copy_(0, rows, shrink_to_radius(ar, capr, f0r, rr));
    }
  }
  return (vd.sign() * result).to(v.dtype());
}

torch::Tensor L1Threat::project_in_box(const torch::Tensor& ref, const torch::Tensor& x, const torch::Tensor& eps,
                                       double lower, double upper) const {
  auto origin = flat(ref);
  auto d = project_l1_ball_in_box(flat(x) - origin, eps, lower - origin, upper - origin);
  // Rounding can put the sum a hair outside [lower, upper]; the clamp only touches that.
  return (origin + d).view_as(x).clamp(lower, upper);
}

}  // namespace advlab
