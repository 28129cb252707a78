// The hyperplane-within-box projections of FAB, checked against independent answers:
// the result lies on the plane and in the box, is no longer than any of many random
// feasible points, and matches closed forms (inactive box), Dykstra's alternating
// projections (L2), bisection on the L-inf radius, and LP-vertex enumeration (L1).
#include "advlab/attacks/gradient/boundary_projection.h"
#include "advlab/core/error.h"
#include "advlab/threat/threat_model.h"

#include <ATen/CPUGeneratorImpl.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <limits>
#include <vector>

namespace advlab {
namespace {

const Bounds kBox{0.0, 1.0};

struct Problem {
  torch::Tensor x, w, b;  // [N, D], [N, D], [N] (float64)
};

// Random points in the box, random planes that the box reaches (b between the smallest
// and largest value of w.z over the box), so the box is active for many of them.
Problem random_problem(int64_t n, int64_t d, uint64_t seed) {
  torch::manual_seed(seed);
  Problem p;
  p.x = torch::rand({n, d}, torch::kDouble);
  p.w = torch::randn({n, d}, torch::kDouble);
  auto low = p.w.clamp_max(0).sum(1), high = p.w.clamp_min(0).sum(1);
  p.b = low + (high - low) * torch::rand({n}, torch::kDouble);
  return p;
}

double norm_of(const torch::Tensor& v, const std::string& norm) {
  if (norm == "linf") return v.abs().max().item<double>();
  if (norm == "l2") return v.norm().item<double>();
  return v.abs().sum().item<double>();
}

class BoundaryProjection : public ::testing::TestWithParam<std::string> {};

TEST_P(BoundaryProjection, LandsOnThePlaneInsideTheBoxAndBeatsRandomFeasiblePoints) {
  const auto& geometry = boundary_geometry(GetParam());
  auto p = random_problem(40, 6, 11);
  auto d = geometry.project(p.x, p.w, p.b, kBox);
  ASSERT_EQ(d.sizes(), p.x.sizes());
  auto z = p.x + d;
  EXPECT_GE(z.min().item<double>(), -1e-12);
  EXPECT_LE(z.max().item<double>(), 1 + 1e-12);
  auto residual = ((p.w * z).sum(1) - p.b).abs();
  EXPECT_LT(residual.max().item<double>(), 1e-9);

  // Feasible points: where segments between random box points cross the plane. One end
  // is drawn near x (half the time) so that short candidates are common.
  auto gen = torch::make_generator<at::CPUGeneratorImpl>(5);
  for (int64_t i = 0; i < p.x.size(0); ++i) {
    auto xi = p.x[i], wi = p.w[i];
    double bi = p.b[i].item<double>();
    double best = norm_of(d[i], GetParam());
    int64_t checked = 0;
    for (int trial = 0; trial < 400; ++trial) {
      auto scale = trial % 2 ? 1.0 : 0.3;
      auto y1 = (xi + scale * (2 * torch::rand({6}, gen, torch::kDouble) - 1)).clamp(0, 1);
      double f1 = (wi * y1).sum().item<double>() - bi;
      // The other end near the box vertex on the far side of the plane from y1.
      auto far = (f1 > 0 ? wi < 0 : wi > 0).to(torch::kDouble);
      auto mix = 0.7 + 0.3 * torch::rand({1}, gen, torch::kDouble);
      auto y2 = mix * far + (1 - mix) * torch::rand({6}, gen, torch::kDouble);
      double f2 = (wi * y2).sum().item<double>() - bi;
      if (f1 * f2 > 0) continue;
      auto point = y1 + (f1 / (f1 - f2)) * (y2 - y1);
      EXPECT_GE(norm_of(point - xi, GetParam()), best - 1e-9) << "row " << i;
      ++checked;
    }
    EXPECT_GE(checked, 10) << "row " << i;
  }
}

TEST_P(BoundaryProjection, GoesToTheNearestVertexWhenTheBoxCannotReachThePlane) {
  const auto& geometry = boundary_geometry(GetParam());
  auto p = random_problem(10, 8, 3);
  auto high = p.w.clamp_min(0).sum(1);
  auto d = geometry.project(p.x, p.w, high + 1, kBox);  // beyond every box point
  auto vertex = (p.w > 0).to(torch::kDouble) + p.x * (p.w == 0).to(torch::kDouble);
  EXPECT_TRUE(torch::allclose(p.x + d, vertex, 0, 1e-12));
}

TEST_P(BoundaryProjection, IsZeroForPointsOnThePlaneAndKeepsTheDtype) {
  const auto& geometry = boundary_geometry(GetParam());
  auto p = random_problem(5, 7, 4);
  auto on_plane = (p.w * p.x).sum(1);
  EXPECT_LT(geometry.project(p.x, p.w, on_plane, kBox).abs().max().item<double>(), 1e-12);
  auto d = geometry.project(p.x.to(torch::kFloat), p.w.to(torch::kFloat), p.b.to(torch::kFloat), kBox);
  EXPECT_EQ(d.scalar_type(), torch::kFloat);
}

INSTANTIATE_TEST_SUITE_P(Norms, BoundaryProjection, ::testing::Values("linf", "l2", "l1"));

// Far from the box faces and close to the plane, the box is inactive: closed forms.
TEST(BoundaryProjectionClosedForm, MatchesTheUnconstrainedProjections) {
  torch::manual_seed(8);
  auto x = 0.4 + 0.2 * torch::rand({20, 30}, torch::kDouble);
  auto w = torch::randn({20, 30}, torch::kDouble);
  auto gap = 0.01 * torch::randn({20}, torch::kDouble);  // required w.d
  auto b = (w * x).sum(1) + gap;
  auto g = gap.view({-1, 1});
  auto l2 = boundary_geometry("l2").project(x, w, b, kBox);
  EXPECT_TRUE(torch::allclose(l2, g * w / w.pow(2).sum(1, true), 0, 1e-12));
  auto linf = boundary_geometry("linf").project(x, w, b, kBox);
  EXPECT_TRUE(torch::allclose(linf, g * w.sign() / w.abs().sum(1, true), 0, 1e-12));
  auto l1 = boundary_geometry("l1").project(x, w, b, kBox);
  auto top = w.abs().argmax(1, true);
  auto expected_l1 = torch::zeros_like(w).scatter(1, top, g / w.gather(1, top));
  EXPECT_TRUE(torch::allclose(l1, expected_l1, 0, 1e-12));
  // The dual norms give the distance |w.x - b| / ||w||_q of these steps.
  EXPECT_TRUE(torch::allclose(gap.abs() / make_threat_model("l2")->dual_norm(w), l2.norm(2, 1), 1e-9));
  EXPECT_TRUE(torch::allclose(gap.abs() / make_threat_model("linf")->dual_norm(w), linf.abs().amax(1), 1e-9));
  EXPECT_TRUE(torch::allclose(gap.abs() / make_threat_model("l1")->dual_norm(w), l1.abs().sum(1), 1e-9));
}

// L2: Dykstra's alternating projections onto the plane and the box converge to the
// Euclidean projection of x onto their intersection.
TEST(BoundaryProjectionReference, L2MatchesDykstra) {
  auto p = random_problem(12, 5, 21);
  auto d = boundary_geometry("l2").project(p.x, p.w, p.b, kBox);
  const int64_t dim = p.x.size(1);
  for (int64_t i = 0; i < p.x.size(0); ++i) {
    std::vector<double> x(dim), w(dim), z(dim), pc(dim, 0.0), qc(dim, 0.0), y(dim);
    double ww = 0;
    for (int64_t k = 0; k < dim; ++k) {
      x[k] = z[k] = p.x[i][k].item<double>();
      w[k] = p.w[i][k].item<double>();
      ww += w[k] * w[k];
    }
    double bi = p.b[i].item<double>();
    for (int it = 0; it < 20000; ++it) {
      double wy = 0;
      for (int64_t k = 0; k < dim; ++k) wy += w[k] * (z[k] + pc[k]);
      for (int64_t k = 0; k < dim; ++k) {
        double before = z[k] + pc[k];
        y[k] = before - (wy - bi) / ww * w[k];  // onto the plane
        pc[k] = before - y[k];
        double v = y[k] + qc[k];
        z[k] = std::min(1.0, std::max(0.0, v));  // onto the box
        qc[k] = v - z[k];
      }
    }
    for (int64_t k = 0; k < dim; ++k)
      EXPECT_NEAR(x[k] + d[i][k].item<double>(), z[k], 1e-6) << "row " << i << " coordinate " << k;
  }
}

// L-inf: the smallest radius t at which the box-and-ball set reaches the plane, by
// bisection on the largest (or smallest) value of w.z over that set.
TEST(BoundaryProjectionReference, LinfMatchesBisectionOnTheRadius) {
  auto p = random_problem(12, 7, 31);
  auto d = boundary_geometry("linf").project(p.x, p.w, p.b, kBox);
  for (int64_t i = 0; i < p.x.size(0); ++i) {
    auto xi = p.x[i], wi = p.w[i];
    double target = p.b[i].item<double>() - (wi * xi).sum().item<double>();
    double sign = target >= 0 ? 1 : -1;
    auto reach = [&](double t) {  // max of sign * w.d over |d_i| <= t within the box
      auto lo = torch::max(-xi, torch::full_like(xi, -t)), hi = torch::min(1 - xi, torch::full_like(xi, t));
      auto sw = sign * wi;
      return (torch::where(sw > 0, sw * hi, sw * lo)).sum().item<double>();
    };
    double lo = 0, hi = 1;
    for (int it = 0; it < 100; ++it) {
      double mid = 0.5 * (lo + hi);
      (reach(mid) >= std::abs(target) ? hi : lo) = mid;
    }
    EXPECT_NEAR(d[i].abs().max().item<double>(), hi, 1e-9) << "row " << i;
  }
}

// L1: an LP whose optimum is at a vertex: every coordinate at its lower room, 0 or its
// upper room, except at most one, fixed by the plane. Enumerate them all.
TEST(BoundaryProjectionReference, L1MatchesVertexEnumeration) {
  const int64_t dim = 5;
  auto p = random_problem(12, dim, 41);
  auto d = boundary_geometry("l1").project(p.x, p.w, p.b, kBox);
  for (int64_t i = 0; i < p.x.size(0); ++i) {
    auto xi = p.x[i].contiguous(), wi = p.w[i].contiguous();
    auto x = xi.accessor<double, 1>();
    auto w = wi.accessor<double, 1>();
    double gap = p.b[i].item<double>();
    for (int64_t k = 0; k < dim; ++k) gap -= w[k] * x[k];
    double best = std::numeric_limits<double>::infinity();
    int64_t combos = 1;
    for (int64_t k = 1; k < dim; ++k) combos *= 3;
    for (int64_t free = 0; free < dim; ++free)
      for (int64_t code = 0; code < combos; ++code) {
        double progress = 0, cost = 0;
        int64_t c = code;
        for (int64_t k = 0; k < dim; ++k) {
          if (k == free) continue;
          double v = (c % 3 == 0) ? 0.0 : (c % 3 == 1 ? -x[k] : 1 - x[k]);
          c /= 3;
          progress += w[k] * v;
          cost += std::abs(v);
        }
        if (w[free] == 0) continue;
        double v = (gap - progress) / w[free];
        if (v < -x[free] - 1e-12 || v > 1 - x[free] + 1e-12) continue;
        best = std::min(best, cost + std::abs(v));
      }
    EXPECT_NEAR(d[i].abs().sum().item<double>(), best, 1e-9) << "row " << i;
  }
}

// The CPU row kernel (what project() runs here) against the batched tensor form (what it
// runs on other devices), on image-like rows: many coordinates at the box (equal keys),
// zero weights, reachable and unreachable planes, in float64 and float32.
TEST_P(BoundaryProjection, RowKernelAgreesWithTheTensorForm) {
  const auto& geometry = boundary_geometry(GetParam());
  torch::manual_seed(31);
  const int64_t n = 64, d = 300;
  auto x = torch::rand({n, d}, torch::kDouble);
  x = torch::where(torch::rand({n, d}, torch::kDouble) < 0.4, torch::zeros_like(x), x);  // black background
  x = torch::where(torch::rand({n, d}, torch::kDouble) < 0.1, torch::ones_like(x), x);
  auto w = torch::randn({n, d}, torch::kDouble) * (torch::rand({n, d}, torch::kDouble) > 0.2).to(torch::kDouble);
  auto low = w.clamp_max(0).sum(1), high = w.clamp_min(0).sum(1);
  auto b = low + (high - low) * (1.2 * torch::rand({n}, torch::kDouble) - 0.1);  // some beyond the box
  b.narrow(0, 0, 4).copy_((w * x).sum(1).narrow(0, 0, 4));                       // some on the plane
  for (auto dtype : {torch::kDouble, torch::kFloat}) {
    auto xs = x.to(dtype), ws = w.to(dtype), bs = b.to(dtype);
    auto rows = geometry.project(xs, ws, bs, kBox);
    auto tensor = project_onto_boundary_tensor(GetParam(), xs, ws, bs, kBox);
    ASSERT_EQ(rows.scalar_type(), dtype);
    const double tol = dtype == torch::kDouble ? 1e-9 : 1e-5;
    EXPECT_LT((rows - tensor).abs().max().item<double>(), tol) << toString(dtype);
    // Same length in the threat's norm (ties may be broken differently at L1).
    for (int64_t i = 0; i < n; ++i)
      EXPECT_NEAR(norm_of(rows[i], GetParam()), norm_of(tensor[i], GetParam()), tol) << "row " << i;
  }
}

TEST(BoundaryProjectionReference, RejectsUnknownNormsAndBadShapes) {
  EXPECT_THROW(boundary_geometry("l0"), Error);
  auto x = torch::rand({3, 4});
  EXPECT_THROW(boundary_geometry("l2").project(x, torch::rand({3, 5}), torch::rand({3}), kBox), Error);
}

}  // namespace
}  // namespace advlab
