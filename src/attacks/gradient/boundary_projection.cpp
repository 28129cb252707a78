#include "advlab/attacks/gradient/boundary_projection.h"

#include "advlab/core/error.h"

#include <torch/torch.h>

#include <limits>

namespace advlab {
namespace detail_boundary {

constexpr double kTiny = 1e-300;

// The problem restated so that every coordinate moves towards the plane: coordinate i
// moves by e_i >= 0 in `direction` (sign of w_i, flipped when the plane lies below x),
// gains a_i = |w_i| of progress per unit, and has `room` to the box in that direction.
// The step must gain `gap` = |b - w.x| in total.
struct TowardsPlane {
  torch::Tensor a, room, direction;  // [N, D]
  torch::Tensor gap;                 // [N, 1]
  torch::Tensor reachable;           // bool [N, 1]: the box reaches the plane
};

TowardsPlane towards_plane(const torch::Tensor& x, const torch::Tensor& w, const torch::Tensor& b,
                           const Bounds& bounds) {
  ADVLAB_CHECK(x.dim() == 2 && w.sizes() == x.sizes() && b.dim() == 1 && b.size(0) == x.size(0),
               "boundary projection: expected x, w [N, D] and b [N], got ", x.sizes(), ", ",
               w.sizes(), ", ", b.sizes());
  auto xd = x.to(torch::kDouble);
  auto wd = w.to(torch::kDouble);
  auto signed_gap = b.to(torch::kDouble).view({-1, 1}) - (wd * xd).sum(1, true);
  auto side = 1.0 - 2.0 * (signed_gap < 0).to(torch::kDouble);
  auto ws = wd * side;
  TowardsPlane t;
  t.direction = ws.sign();
  t.a = ws.abs();
  auto up = (bounds.upper - xd).clamp_min(0);
  auto down = (xd - bounds.lower).clamp_min(0);
  // Coordinates with w_i = 0 cannot help and never move.
  t.room = torch::where(ws > 0, up, down) * (ws != 0).to(torch::kDouble);
  t.gap = signed_gap.abs();
  t.reachable = (t.a * t.room).sum(1, true) >= t.gap;
  return t;
}

torch::Tensor finish(const TowardsPlane& t, const torch::Tensor& e, const torch::Tensor& like) {
  // Unreachable planes: go as far as the box allows, the closest the box gets to them.
  auto moves = torch::where(t.reachable, e, t.room);
  return (t.direction * moves).to(like.dtype());
}

torch::Tensor exclusive_prefix_sum(const torch::Tensor& v) { return (v.cumsum(1) - v).clamp_min(0); }
torch::Tensor inclusive_suffix_sum(const torch::Tensor& v) { return v.flip(1).cumsum(1).flip(1); }

// Moves of the form e_i = min(tau * s_i, room_i) with the smallest tau >= 0 that gains
// the gap. Progress is piecewise linear and increasing in tau with breakpoints
// room_i / s_i, so sort the breakpoints and find the segment holding the gap.
torch::Tensor water_fill(const TowardsPlane& t, const torch::Tensor& s) {
  const double inf = std::numeric_limits<double>::infinity();
  auto breakpoint = torch::where(s > 0, t.room / s.clamp_min(kTiny), torch::full_like(s, inf));
  auto sorted = breakpoint.sort(1);
  auto key = std::get<0>(sorted);
  auto order = std::get<1>(sorted);
  auto a = t.a.gather(1, order);
  auto room = t.room.gather(1, order);
  auto slope = a * s.gather(1, order);  // progress per unit tau while i is not at the box
  auto saturated_before = exclusive_prefix_sum(a * room);
  auto free_slope = inclusive_suffix_sum(slope);
  // Progress at tau = key_j: coordinates before j are at the box, j and after move freely.
  // (Coordinates with s = 0 sort last with key inf and no slope left after them.)
  auto progress = saturated_before + torch::where(free_slope > 0, key * free_slope, torch::zeros_like(key));
  auto j = (progress < t.gap).sum(1, true).clamp_max(key.size(1) - 1);
  auto tau = ((t.gap - saturated_before.gather(1, j)) / free_slope.gather(1, j).clamp_min(kTiny)).clamp_min(0);
  return torch::min(tau * s, t.room);
}

torch::Tensor project_linf(const torch::Tensor& x, const torch::Tensor& w, const torch::Tensor& b,
                           const Bounds& bounds) {
  // min max_i e_i: every useful coordinate moves by the same t, or up to its box.
  auto t = towards_plane(x, w, b, bounds);
  return finish(t, water_fill(t, (t.a > 0).to(torch::kDouble)), x);
}

torch::Tensor project_l2(const torch::Tensor& x, const torch::Tensor& w, const torch::Tensor& b,
                         const Bounds& bounds) {
  // KKT: e_i = min(lambda * a_i, room_i), i.e. along w and clipped by the box.
  auto t = towards_plane(x, w, b, bounds);
  return finish(t, water_fill(t, t.a), x);
}

torch::Tensor project_l1(const torch::Tensor& x, const torch::Tensor& w, const torch::Tensor& b,
                         const Bounds& bounds) {
  // A fractional knapsack: spend L1 mass on the largest |w_i| first, each up to its box.
  auto t = towards_plane(x, w, b, bounds);
  auto order = std::get<1>(t.a.sort(1, /*descending=*/true));
  auto a = t.a.gather(1, order);
  auto room = t.room.gather(1, order);
  auto gain = a * room;
  auto before = exclusive_prefix_sum(gain);
  auto j = ((before + gain) < t.gap).sum(1, true).clamp_max(a.size(1) - 1);
  auto partial = ((t.gap - before.gather(1, j)) / a.gather(1, j).clamp_min(kTiny)).clamp_min(0);
  partial = torch::min(partial, room.gather(1, j));
  auto index = torch::arange(a.size(1), j.options()).view({1, -1});
  auto moves = torch::where(index < j, room, torch::where(index == j, partial, torch::zeros_like(room)));
  return finish(t, torch::zeros_like(moves).scatter(1, order, moves), x);
}

}  // namespace detail_boundary

torch::Tensor project_onto_boundary_linf(const torch::Tensor& x, const torch::Tensor& w,
                                         const torch::Tensor& b, const Bounds& bounds) {
  return detail_boundary::project_linf(x, w, b, bounds);
}

torch::Tensor project_onto_boundary_l2(const torch::Tensor& x, const torch::Tensor& w,
                                       const torch::Tensor& b, const Bounds& bounds) {
  return detail_boundary::project_l2(x, w, b, bounds);
}

torch::Tensor project_onto_boundary_l1(const torch::Tensor& x, const torch::Tensor& w,
                                       const torch::Tensor& b, const Bounds& bounds) {
  return detail_boundary::project_l1(x, w, b, bounds);
}

const BoundaryGeometry& boundary_geometry(const std::string& norm) {
  static const BoundaryGeometry linf{"linf", &project_onto_boundary_linf};
  static const BoundaryGeometry l2{"l2", &project_onto_boundary_l2};
  static const BoundaryGeometry l1{"l1", &project_onto_boundary_l1};
  if (norm == "linf" || norm == "inf") return linf;
  if (norm == "l2") return l2;
  if (norm == "l1") return l1;
  throw Error("boundary projection: norm must be linf, l2 or l1, got '" + norm + "'");
}

}  // namespace advlab
