#include "advlab/threat/lp_norms.h"

#include <torch/torch.h>

namespace advlab {

// The projection is d_i = sign(v_i) * clamp(|v_i| - lambda, 0, cap_i), cap_i the room the
// box leaves in v_i's direction, with the smallest lambda >= 0 that brings ||d||_1 down to
// r (Croce & Hein 2021). f(lambda) = sum_i clamp(|v_i| - lambda, 0, cap_i) is piecewise
// linear and non-increasing: its slope steepens by one at |v_i| - cap_i (the coordinate
// leaves its cap) and flattens by one at |v_i| (it reaches 0). Sorting those 2D points
// gives f at each of them; lambda lies on the segment where f crosses r. In double: the
// running sums over D coordinates would lose the last digits in float.
torch::Tensor project_l1_ball_in_box(const torch::Tensor& v, const torch::Tensor& radius, const torch::Tensor& lo,
                                     const torch::Tensor& hi) {
  auto vd = v.to(torch::kDouble);
  auto a = vd.abs();
  auto cap = torch::where(vd > 0, hi.to(torch::kDouble), -lo.to(torch::kDouble)).clamp_min(0);
  auto r = radius.to(v.device(), torch::kDouble).view({-1, 1});
  auto clipped = a.minimum(cap);
  auto inside = clipped.sum(1, true) <= r;

  auto points = torch::cat({a - cap, a}, 1);
  auto change = torch::cat({torch::ones_like(a), -torch::ones_like(a)}, 1);
  auto sorted_order = points.sort(1);
  auto sorted = std::get<0>(sorted_order);
  auto slope = change.gather(1, std::get<1>(sorted_order)).cumsum(1);  // -f' just after each point
  const int64_t m = sorted.size(1);
  auto gaps = sorted.narrow(1, 1, m - 1) - sorted.narrow(1, 0, m - 1);
  auto total = cap.sum(1, true);  // f at the first point: every coordinate at its cap
  auto f = torch::cat({total, total - (slope.narrow(1, 0, m - 1) * gaps).cumsum(1)}, 1);
  // f ends at 0 <= r, so a first point with f <= r exists; lambda lies just before it.
  auto first = (f <= r).to(torch::kLong).argmax(1, true);
  auto before = (first - 1).clamp_min(0);
  auto lambda = sorted.gather(1, before) + (f.gather(1, before) - r) / slope.gather(1, before).clamp_min(1);
  lambda = lambda.clamp_min(0);
  auto shrunk = (a - lambda).clamp_min(0).minimum(cap);
  return (vd.sign() * torch::where(inside, clipped, shrunk)).to(v.dtype());
}

torch::Tensor L1Threat::project_in_box(const torch::Tensor& ref, const torch::Tensor& x, const torch::Tensor& eps,
                                       double lower, double upper) const {
  auto origin = flat(ref);
  auto d = project_l1_ball_in_box(flat(x) - origin, eps, lower - origin, upper - origin);
  // Rounding can put the sum a hair outside [lower, upper]; the clamp only touches that.
  return (origin + d).view_as(x).clamp(lower, upper);
}

}  // namespace advlab
