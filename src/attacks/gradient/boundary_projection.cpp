#include "advlab/attacks/gradient/boundary_projection.h"

#include "advlab/core/error.h"
#include "advlab/models/row_groups.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

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

// The same projections one row at a time on the CPU, in float64: the tensor form above
// spends about 40 full-size passes over [N, D] float64 tensors (a quarter of a FAB step's
// time on a small CNN, bench BoundaryProjection); this reads each row once and finds the
// threshold of the coordinates that can move by partitioning, without a sort.
enum class Norm { kLinf, kL2, kL1 };

template <typename T>
void project_row(Norm norm, const T* x, const T* w, double b, const Bounds& bounds, int64_t d, T* out,
                 std::vector<double>& a, std::vector<double>& room, std::vector<double>& key,
                 std::vector<int64_t>& order) {
  double signed_gap = b;
  for (int64_t i = 0; i < d; ++i) signed_gap -= static_cast<double>(w[i]) * static_cast<double>(x[i]);
  const double side = signed_gap < 0 ? -1.0 : 1.0, gap = std::abs(signed_gap);
  double reach = 0;
  for (int64_t i = 0; i < d; ++i) {
    const double ws = static_cast<double>(w[i]) * side, xi = static_cast<double>(x[i]);
    a[i] = std::abs(ws);
    room[i] = ws > 0 ? std::max(bounds.upper - xi, 0.0) : ws < 0 ? std::max(xi - bounds.lower, 0.0) : 0.0;
    reach += a[i] * room[i];
  }
  auto write = [&](auto move) {
    for (int64_t i = 0; i < d; ++i) {
      const double ws = static_cast<double>(w[i]) * side;
      const double dir = ws > 0 ? 1.0 : ws < 0 ? -1.0 : 0.0;
      out[i] = static_cast<T>(dir * move(i));
    }
  };
  if (reach < gap) {  // unreachable: as far as the box allows
    write([&](int64_t i) { return room[i]; });
    return;
  }
  // Both searches below find a threshold over per-coordinate keys by repeated partition
  // around a pivot (expected O(D), as quickselect), not by a full sort.
  order.clear();
  for (int64_t i = 0; i < d; ++i)
    if (a[i] > 0) order.push_back(i);
  auto lo = order.begin(), hi = order.end();
  uint64_t lcg = 0x9e3779b97f4a7c15ULL;  // pivots: a fixed pseudo-random sequence
  auto pivot_of = [&]() {
    lcg = lcg * 6364136223846793005ULL + 1442695040888963407ULL;
    return *(lo + static_cast<int64_t>((lcg >> 33) % static_cast<uint64_t>(hi - lo)));
  };
  if (norm == Norm::kL1) {
    // Fractional knapsack: the largest |w_i| first, each up to its box (key holds the moves).
    std::fill(key.begin(), key.begin() + d, 0.0);
    double filled = 0;
    while (lo != hi) {
      const int64_t k = pivot_of();
      const double ak = a[k];
      auto mid = std::partition(lo, hi, [&](int64_t i) { return a[i] > ak; });
      double gain = 0;
      for (auto it = lo; it != mid; ++it) gain += a[*it] * room[*it];
      if (filled + gain >= gap) {  // the partial coordinate is among the larger ones
        hi = mid;
        continue;
      }
      filled += gain;
      for (auto it = lo; it != mid; ++it) key[*it] = room[*it];
      auto at_k = std::find(mid, hi, k);
      std::iter_swap(mid, at_k);
      if (filled + ak * room[k] >= gap) {
        key[k] = std::min(std::max((gap - filled) / std::max(ak, kTiny), 0.0), room[k]);
        break;
      }
      filled += ak * room[k];
      key[k] = room[k];
      lo = mid + 1;
    }
    write([&](int64_t i) { return key[i]; });
    return;
  }
  // Water-filling: e_i = min(tau * s_i, room_i), s = 1 (L-inf) or a (L2), for the smallest
  // tau that gains the gap; coordinate i saturates at the key room_i / s_i.
  auto s = [&](int64_t i) { return norm == Norm::kLinf ? 1.0 : a[i]; };
  for (int64_t i : order) key[i] = room[i] / std::max(s(i), kTiny);
  double saturated = 0, free_slope = 0;  // of the coordinates already placed either side of tau
  while (lo != hi) {
    const int64_t k = pivot_of();
    const double kk = key[k];
    auto mid = std::partition(lo, hi, [&](int64_t i) { return key[i] < kk; });
    double below = 0, slope_above = 0;
    for (auto it = lo; it != mid; ++it) below += a[*it] * room[*it];
    for (auto it = mid; it != hi; ++it) slope_above += a[*it] * s(*it);
    if (saturated + below + kk * (free_slope + slope_above) >= gap) {
      free_slope += slope_above;  // tau <= key_k: the keys from key_k up stay free
      hi = mid;
    } else {
      saturated += below;  // tau > key_k: the keys below it, and k, are at the box
      auto at_k = std::find(mid, hi, k);
      std::iter_swap(mid, at_k);
      saturated += a[k] * room[k];
      lo = mid + 1;
    }
  }
  const double tau = std::max((gap - saturated) / std::max(free_slope, kTiny), 0.0);
  write([&](int64_t i) { return a[i] > 0 ? std::min(tau * s(i), room[i]) : 0.0; });
}

// Rows per unit of work when rows are shared out to the cores: below it the hand-over
// costs more than the rows.
constexpr int64_t kRowsPerGroupUnit = 8;

torch::Tensor project_rows_cpu(Norm norm, const torch::Tensor& x, const torch::Tensor& w, const torch::Tensor& b,
                               const Bounds& bounds) {
  ADVLAB_CHECK(x.dim() == 2 && w.sizes() == x.sizes() && b.dim() == 1 && b.size(0) == x.size(0),
               "boundary projection: expected x, w [N, D] and b [N], got ", x.sizes(), ", ", w.sizes(), ", ",
               b.sizes());
  const auto dtype = x.scalar_type() == torch::kDouble ? torch::kDouble : torch::kFloat;
  auto xc = x.to(dtype).contiguous(), wc = w.to(dtype).contiguous();
  auto bc = b.to(torch::kDouble).contiguous();
  auto out = torch::empty_like(xc);
  const int64_t n = xc.size(0), d = xc.size(1);
  AT_DISPATCH_FLOATING_TYPES(xc.scalar_type(), "project_rows_cpu", [&] {
    const auto* xp = xc.data_ptr<scalar_t>();
    const auto* wp = wc.data_ptr<scalar_t>();
    const auto* bp = bc.data_ptr<double>();
    auto* op = out.data_ptr<scalar_t>();
    // Rows are independent: groups of rows side by side on the cores.
    const auto groups = row_groups(n, kRowsPerGroupUnit, side_by_side_threads());
    run_side_by_side(static_cast<int64_t>(groups.size()), [&](int64_t g) {
      std::vector<double> a(d), room(d), key(d);
      std::vector<int64_t> order;
      order.reserve(d);
      for (int64_t r = groups[static_cast<size_t>(g)].first; r < groups[static_cast<size_t>(g)].second; ++r)
        project_row(norm, xp + r * d, wp + r * d, bp[r], bounds, d, op + r * d, a, room, key, order);
    });
  });
  return out.to(x.dtype());
}

bool row_kernel_applies(const torch::Tensor& x, const torch::Tensor& w, const torch::Tensor& b) {
  return x.device().is_cpu() && w.device().is_cpu() && b.device().is_cpu() && x.dim() == 2 &&
         (x.scalar_type() == torch::kFloat || x.scalar_type() == torch::kDouble);
}

}  // namespace detail_boundary

torch::Tensor project_onto_boundary_linf(const torch::Tensor& x, const torch::Tensor& w,
                                         const torch::Tensor& b, const Bounds& bounds) {
  using namespace detail_boundary;
  return row_kernel_applies(x, w, b) ? project_rows_cpu(Norm::kLinf, x, w, b, bounds) : project_linf(x, w, b, bounds);
}

torch::Tensor project_onto_boundary_l2(const torch::Tensor& x, const torch::Tensor& w,
                                       const torch::Tensor& b, const Bounds& bounds) {
  using namespace detail_boundary;
  return row_kernel_applies(x, w, b) ? project_rows_cpu(Norm::kL2, x, w, b, bounds) : project_l2(x, w, b, bounds);
}

torch::Tensor project_onto_boundary_l1(const torch::Tensor& x, const torch::Tensor& w,
                                       const torch::Tensor& b, const Bounds& bounds) {
  using namespace detail_boundary;
  return row_kernel_applies(x, w, b) ? project_rows_cpu(Norm::kL1, x, w, b, bounds) : project_l1(x, w, b, bounds);
}

torch::Tensor project_onto_boundary_tensor(const std::string& norm, const torch::Tensor& x, const torch::Tensor& w,
                                           const torch::Tensor& b, const Bounds& bounds) {
  using namespace detail_boundary;
  if (norm == "linf" || norm == "inf") return project_linf(x, w, b, bounds);
  if (norm == "l2") return project_l2(x, w, b, bounds);
  if (norm == "l1") return project_l1(x, w, b, bounds);
  throw Error("boundary projection: norm must be linf, l2 or l1, got '" + norm + "'");
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
