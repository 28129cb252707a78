// Projections land in the ball and are the nearest points of the ball (checked against
// many random points of the ball, and against the analytic answer where there is one).
#include "advlab/threat/lp_norms.h"

#include <ATen/CPUGeneratorImpl.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

namespace advlab {
namespace {

class ProjectionTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override { torch::manual_seed(0); }
};

TEST_P(ProjectionTest, ProjectedPointsAreInsideAndNearest) {
  auto threat = make_threat_model(GetParam());
  auto gen = at::detail::createCPUGenerator(1);
  const int64_t n = 64, dim = 5;
  auto ref = torch::rand({n, dim});
  auto x = ref + torch::randn({n, dim}) * 2;
  auto eps = torch::rand({n}) * 1.5 + 0.1;
  auto p = threat->project(ref, x, eps);
  EXPECT_TRUE((threat->distance(ref, p) <= eps * (1 + 1e-5) + 1e-6).all().item<bool>());
  auto best = (x - p).norm(2, 1);
  // Brute force: no random point of the ball is nearer to x than the projection.
  for (int trial = 0; trial < 2000; ++trial) {
    auto q = threat->random_init(ref, eps, gen, advlab::Bounds{});
    ASSERT_TRUE((threat->distance(ref, q) <= eps * (1 + 1e-5) + 1e-6).all().item<bool>());
    EXPECT_TRUE(((x - q).norm(2, 1) >= best - 1e-5).all().item<bool>()) << "trial " << trial;
  }
}

TEST_P(ProjectionTest, PointsInsideTheBallAreUnchanged) {
  auto threat = make_threat_model(GetParam());
  auto gen = at::detail::createCPUGenerator(2);
  auto ref = torch::rand({32, 7});
  auto eps = torch::full({32}, 0.5);
  auto inside = threat->random_init(ref, eps, gen, advlab::Bounds{});
  EXPECT_TRUE(torch::allclose(threat->project(ref, inside, eps), inside, 1e-5, 1e-6));
}

TEST_P(ProjectionTest, NormalizedGradientHasUnitNormAndAscends) {
  auto threat = make_threat_model(GetParam());
  auto g = torch::randn({16, 3, 4, 4});
  auto d = threat->normalize_grad(g);
  EXPECT_TRUE(((d * g).sum({1, 2, 3}) > 0).all().item<bool>());
  if (GetParam() == "l2") {
    EXPECT_TRUE(torch::allclose(d.flatten(1).norm(2, 1), torch::ones({16}), 1e-5));
  }
  if (GetParam() == "l1") {
    EXPECT_TRUE(torch::allclose(d.flatten(1).abs().sum(1), torch::ones({16}), 1e-5));
  }
  if (GetParam() == "linf") {
    EXPECT_TRUE(torch::allclose(d.abs().flatten(1).amax(1), torch::ones({16})));
  }
}

INSTANTIATE_TEST_SUITE_P(Norms, ProjectionTest, ::testing::Values("linf", "l2", "l1"));

TEST(L1Projection, MatchesHandComputedExample) {
  // v = (3, -1, 0.5), radius 2: theta = 1, so the projection is (2, 0, 0).
  auto v = torch::tensor({{3.0, -1.0, 0.5}});
  auto p = project_l1_ball(v, torch::tensor({2.0}));
  EXPECT_TRUE(torch::allclose(p, torch::tensor({{2.0, 0.0, 0.0}}), 1e-6, 1e-6)) << p;
  auto q = project_l1_ball(v, torch::tensor({3.0}));
  EXPECT_NEAR(q.abs().sum().item<double>(), 3.0, 1e-6);
  EXPECT_TRUE(torch::allclose(q, torch::tensor({{2.5, -0.5, 0.0}}), 1e-6, 1e-6)) << q;
}

TEST(L1BoxProjection, MatchesHandComputedExample) {
  // v = (3, -1, 0.5), radius 2, box [-1, 1]: caps (1, 1, 0.5), f(lambda) = 2.5 - 2 lambda on
  // [0, 0.5], so lambda = 0.25 and the projection is (1, -0.75, 0.25). Clipping and then
  // projecting onto the ball would give (5/6, -5/6, 1/3), farther from v.
  auto v = torch::tensor({{3.0, -1.0, 0.5}});
  auto lo = torch::full({1, 3}, -1.0), hi = torch::full({1, 3}, 1.0);
  auto p = project_l1_ball_in_box(v, torch::tensor({2.0}), lo, hi);
  EXPECT_TRUE(torch::allclose(p, torch::tensor({{1.0, -0.75, 0.25}}), 1e-6, 1e-6)) << p;
  auto naive = project_l1_ball(v.clamp(-1, 1), torch::tensor({2.0}));
  EXPECT_LT((v - p).norm().item<double>(), (v - naive).norm().item<double>());
  // Within the ball and the box already: unchanged.
  auto small = torch::tensor({{0.5, -0.25, 0.0}});
  EXPECT_TRUE(torch::allclose(project_l1_ball_in_box(small, torch::tensor({2.0}), lo, hi), small));
}

// Reference projection onto the L1 ball of radius eps around ref within [0, 1]: the
// threshold by bisection, written out independently of the sort.
torch::Tensor bisection_projection_in_unit_box(const torch::Tensor& ref, const torch::Tensor& x,
                                               const torch::Tensor& eps) {
  auto v = (x - ref).to(torch::kDouble), a = v.abs();
  auto cap = torch::where(v > 0, 1 - ref.to(torch::kDouble), ref.to(torch::kDouble));
  auto norm_at = [&](const torch::Tensor& l) { return (a - l.view({-1, 1})).clamp_min(0).minimum(cap).sum(1); };
  auto lo = torch::zeros({v.size(0)}, torch::kDouble), hi = a.amax(1);
  auto radius = eps.to(torch::kDouble);
  for (int i = 0; i < 200; ++i) {
    auto mid = (lo + hi) / 2;
    auto over = norm_at(mid) > radius;
    lo = torch::where(over, mid, lo);
    hi = torch::where(over, hi, mid);
  }
  return ref.to(torch::kDouble) + v.sign() * (a - hi.view({-1, 1})).clamp_min(0).minimum(cap);
}

TEST(L1BoxProjection, AgreesWithABisectionOverTheThresholdAndBeatsEveryFeasiblePoint) {
  torch::manual_seed(3);
  auto threat = make_threat_model("l1");
  auto gen = at::detail::createCPUGenerator(4);
  const int64_t n = 48, dim = 30;
  auto ref = torch::rand({n, dim}, torch::kDouble);
  ref.index_put_({torch::indexing::Slice(), torch::indexing::Slice(0, 10)}, 0.0);  // pixels at the bound
  auto x = ref + torch::randn({n, dim}, torch::kDouble) * 0.8;
  auto eps = torch::rand({n}, torch::kDouble) * 3 + 0.05;
  auto p = threat->project_in_box(ref, x, eps, 0.0, 1.0);
  EXPECT_TRUE((p >= 0).all().item<bool>() && (p <= 1).all().item<bool>());
  EXPECT_TRUE((threat->distance(ref, p) <= eps * (1 + 1e-9) + 1e-12).all().item<bool>());
  auto expected = bisection_projection_in_unit_box(ref, x, eps);
  EXPECT_TRUE(torch::allclose(p, expected, 1e-9, 1e-9)) << (p - expected).abs().max();
  // And nothing feasible is nearer: random points of the ball clipped to the box (still in
  // the ball, since the box holds ref), and the two naive orders of ball and box.
  auto nearest = (x - p).norm(2, 1);
  for (int trial = 0; trial < 500; ++trial) {
    auto q = threat->random_init(ref, eps, gen, advlab::Bounds{}).clamp(0, 1);
    ASSERT_TRUE(((x - q).norm(2, 1) >= nearest - 1e-9).all().item<bool>()) << "trial " << trial;
  }
  for (const auto& q : {threat->project(ref, x, eps).clamp(0, 1), threat->project(ref, x.clamp(0, 1), eps)})
    EXPECT_TRUE(((x - q).norm(2, 1) >= nearest - 1e-9).all().item<bool>());
}

// Rows with few nonzero changes (a sparse step on a sparse perturbation) sort only those
// columns: same answer as the bisection, and a row's result does not depend on the rows
// beside it (the sparse and the dense path agree bit for bit).
TEST(L1BoxProjection, SparseRowsMatchTheReferenceAndDoNotDependOnTheirBatch) {
  torch::manual_seed(5);
  auto threat = make_threat_model("l1");
  const int64_t n = 12, dim = 400;
  auto ref = torch::rand({n, dim});
  ref.narrow(1, 0, 40).fill_(1.0);  // pixels at the upper bound
  auto change = torch::randn({n, dim}) * 0.6;
  for (int64_t i = 0; i < n; ++i) {  // rows 0-7 keep 2 to 72 nonzeros, rows 8-11 all of them
    if (i >= 8) continue;
    auto keep = torch::randperm(dim).narrow(0, 0, 2 + 10 * i);
    auto mask = torch::zeros({dim}).index_fill_(0, keep, 1.0);
    change[i] *= mask;
  }
  auto x = ref + change;
  auto eps = torch::rand({n}) * 2 + 0.1;
  auto p = threat->project_in_box(ref, x, eps, 0.0, 1.0);
  EXPECT_TRUE(torch::allclose(p.to(torch::kDouble), bisection_projection_in_unit_box(ref, x, eps), 1e-5, 1e-6));
  EXPECT_TRUE((threat->distance(ref, p) <= eps * (1 + 1e-5)).all().item<bool>());
  for (int64_t i = 0; i < n; ++i) {
    auto alone = threat->project_in_box(ref.narrow(0, i, 1), x.narrow(0, i, 1), eps.narrow(0, i, 1), 0.0, 1.0);
    ASSERT_TRUE(torch::equal(alone, p.narrow(0, i, 1))) << "row " << i;
  }
}

TEST(L0Threat, ProjectionKeepsTheLargestChanges) {
  L0Threat l0;
  auto ref = torch::zeros({1, 5});
  auto x = torch::tensor({{0.1, -0.9, 0.3, 0.0, 0.5}});
  auto p = l0.project(ref, x, torch::tensor({2.0}));
  EXPECT_TRUE(torch::equal(p, torch::tensor({{0.0, -0.9, 0.0, 0.0, 0.5}})));
  EXPECT_EQ(l0.distance(ref, x).item<float>(), 4.0f);
}

// eps 1e30 means "change as many values as you like": the count must not wrap when cast.
TEST(L0Threat, HugeEpsKeepsEveryChange) {
  L0Threat l0;
  auto ref = torch::zeros({2, 6});
  auto x = torch::arange(12, torch::kFloat).view({2, 6}) + 1;
  auto eps = torch::full({2}, 1e30);
  EXPECT_TRUE(l0.project(ref, x, eps).equal(x));
  auto gen = at::detail::createCPUGenerator(3);
  EXPECT_EQ(l0.distance(ref, l0.random_init(ref, eps, gen, advlab::Bounds{})).min().item<float>(), 6.0f);
}

// L0 counts pixels, so a chosen pixel's random move comes from the box: in [-1, 1]
// (mean/std models) it spans twice what it spans in [0, 1], and the same draw scales.
TEST(L0Threat, RandomStartScalesWithTheBoundsWidth) {
  L0Threat l0;
  auto ref = torch::zeros({4, 50});
  auto eps = torch::full({4}, 10.0);
  auto unit_gen = at::detail::createCPUGenerator(4);
  auto wide_gen = at::detail::createCPUGenerator(4);
  auto unit = l0.random_init(ref, eps, unit_gen, advlab::Bounds{0.0, 1.0});
  auto wide = l0.random_init(ref, eps, wide_gen, advlab::Bounds{-1.0, 1.0});
  EXPECT_TRUE(torch::allclose(wide, 2 * unit));
  EXPECT_LE(unit.abs().max().item<float>(), 1.0f);
  EXPECT_GT(wide.abs().max().item<float>(), 1.0f);  // 40 draws of |U(-2,2)|: some exceed 1
  EXPECT_TRUE((l0.distance(ref, wide) <= 10).all().item<bool>());
}

TEST(Distances, AgreeWithDefinitions) {
  auto ref = torch::zeros({1, 1, 2, 2});
  auto x = torch::tensor({3.0f, -4.0f, 0.0f, 0.0f}).view({1, 1, 2, 2});
  EXPECT_FLOAT_EQ(LinfThreat().distance(ref, x).item<float>(), 4.0f);
  EXPECT_FLOAT_EQ(L2Threat().distance(ref, x).item<float>(), 5.0f);
  EXPECT_FLOAT_EQ(L1Threat().distance(ref, x).item<float>(), 7.0f);
  EXPECT_FLOAT_EQ(L0Threat().distance(ref, x).item<float>(), 2.0f);
}

}  // namespace
}  // namespace advlab
