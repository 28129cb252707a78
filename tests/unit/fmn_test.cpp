// FMN: unbounded it breaks every sample of the trained CNN in each norm; its median
// L2 / L-inf distance is no worse than the smallest eps at which PGD breaks half the
// samples (a bisection over eps); on a linear model it finds the exact minimal L2 / L-inf
// / L1 distance (margin / dual norm of the weight difference) to within a few percent;
// an optional eps only decides success; bad options are rejected.
#include "advlab/attacks/registry.h"
#include "advlab/core/error.h"
#include "advlab/criteria/criterion.h"
#include "support/linear_model.h"
#include "support/trained_models.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <iostream>

namespace advlab {
namespace {

constexpr int64_t kFmnSamples = 100;

struct FmnCnnBatch {
  torch::Tensor x, labels, correct;  // correct: indices the model classifies right
};

FmnCnnBatch fmn_cnn_batch() {
  const auto& trained = testing::fashion_cnn();
  FmnCnnBatch b;
  b.x = trained.test.images.narrow(0, 0, kFmnSamples);
  b.labels = trained.test.labels.narrow(0, 0, kFmnSamples);
  b.correct = (trained.model->predict(b.x) == b.labels).nonzero().squeeze(1);
  return b;
}

class FmnOnCnn : public ::testing::TestWithParam<std::string> {};

TEST_P(FmnOnCnn, UnboundedBreaksEverySample) {
  if (!testing::fashion_mnist_available()) GTEST_SKIP() << "Fashion-MNIST not installed";
  auto b = fmn_cnn_batch();
  auto result = make_attack("fmn", {{"norm", GetParam()}, {"target_classes", "0"}})->run(*testing::fashion_cnn().model, b.x,
                                                                Misclassification(b.labels), 0);
  double rate = result.success.to(torch::kDouble).mean().item<double>();
  auto d = result.minimum_distance.index_select(0, b.correct);
  std::cout << GetParam() << ": success " << rate << ", median distance " << d.median().item<double>() << "\n";
  if (GetParam() == "l0") {
    // The L0 radius grows by max(1, gamma * eps) pixels a step while nothing is found, so
    // a sample needing ~100 pixels may not be reached in the default 100 steps (one of
    // the 86 attacked here; 150 steps break it too).
    EXPECT_GE(rate, 0.98);
  } else {
    EXPECT_EQ(rate, 1.0);
  }
  auto broken = result.minimum_distance.index_select(0, b.correct).masked_select(result.success.index_select(0, b.correct));
  EXPECT_TRUE((broken > 0).all().item<bool>());
  EXPECT_TRUE(torch::isfinite(broken).all().item<bool>());
}

INSTANTIATE_TEST_SUITE_P(Norms, FmnOnCnn, ::testing::Values("l0", "l1", "l2", "linf"));

// At L0 a first step of 30 (the default there) finds fewer pixels than a unit step on
// this CNN: the top-k projection keeps the few coordinates the step moves most, and a
// unit step spread over every pixel barely moves them (docs/attacks/fmn.md). One
// untargeted run.
TEST(Fmn, L0StepOf30FindsFewerPixelsThanTheUnitStep) {
  EXPECT_EQ(make_attack("fmn", {{"norm", "l0"}})->params()["alpha_init"], 30.0);
  EXPECT_EQ(make_attack("fmn", {{"norm", "l0"}})->params()["alpha_final"], 0.3);
  EXPECT_EQ(make_attack("fmn", {{"norm", "l2"}})->params()["alpha_init"], 1.0);
  if (!testing::fashion_mnist_available()) GTEST_SKIP() << "Fashion-MNIST not installed";
  auto b = fmn_cnn_batch();
  auto mean_pixels = [&](const std::string& alpha) {
    std::map<std::string, std::string> o{{"norm", "l0"}, {"target_classes", "0"}, {"alpha_init", alpha}};
    auto r = make_attack("fmn", o)->run(*testing::fashion_cnn().model, b.x, Misclassification(b.labels), 0);
    auto found = r.success.index_select(0, b.correct);
    EXPECT_GE(found.to(torch::kDouble).mean().item<double>(), 0.98) << "alpha_init " << alpha;
    return r.minimum_distance.index_select(0, b.correct).masked_select(found).mean().item<double>();
  };
  double unit = mean_pixels("1"), large = mean_pixels("30");
  std::cout << "fmn l0 mean pixels over the broken samples: alpha_init 1 " << unit << ", 30 " << large << "\n";
  EXPECT_LE(large, 0.9 * unit);
}

// The eps at which PGD (40 steps) breaks half of the correctly classified samples:
// the median of PGD's per-sample minimal eps, found by bisection in [0, hi].
double fmn_pgd_median_eps(const FmnCnnBatch& b, const std::string& norm, double hi) {
  auto x = b.x.index_select(0, b.correct);
  Misclassification criterion(b.labels.index_select(0, b.correct));
  double lo = 0;
  for (int i = 0; i < 6; ++i) {
    double mid = (lo + hi) / 2;
    auto r = make_attack("pgd", {{"norm", norm}, {"eps", std::to_string(mid)}, {"steps", "40"}})
                 ->run(*testing::fashion_cnn().model, x, criterion, 0);
    (r.success.to(torch::kDouble).mean().item<double>() >= 0.5 ? hi : lo) = mid;
  }
  return hi;
}

TEST(Fmn, MedianDistanceIsNoWorseThanPgdBisection) {
  if (!testing::fashion_mnist_available()) GTEST_SKIP() << "Fashion-MNIST not installed";
  auto b = fmn_cnn_batch();
  // Brackets of 64 bisection cells: about 4% of the medians (0.65 and 0.042).
  for (auto [norm, hi] : {std::pair<std::string, double>{"l2", 1.6}, {"linf", 0.1}}) {
    auto r = make_attack("fmn", {{"norm", norm}, {"target_classes", "0"}})->run(*testing::fashion_cnn().model, b.x, Misclassification(b.labels), 0);
    double fmn = r.minimum_distance.index_select(0, b.correct).median().item<double>();
    double pgd = fmn_pgd_median_eps(b, norm, hi);
    std::cout << norm << ": median distance fmn " << fmn << ", pgd bisection " << pgd << "\n";
    EXPECT_LT(pgd, hi) << "PGD broke fewer than half at the top of the bracket";
    EXPECT_LE(fmn, pgd * 1.05) << norm;
  }
}

TEST(Fmn, EpsDecidesSuccessButNotTheSearch) {
  if (!testing::fashion_mnist_available()) GTEST_SKIP() << "Fashion-MNIST not installed";
  const auto& trained = testing::fashion_cnn();
  auto& model = *trained.model;
  auto x = trained.test.images.narrow(0, 0, 32);
  Misclassification criterion(trained.test.labels.narrow(0, 0, 32));
  auto free = make_attack("fmn", {{"norm", "l2"}, {"steps", "50"}, {"target_classes", "2"}})->run(model, x, criterion, 0);
  double eps = free.minimum_distance.median().item<double>();
  auto bounded = make_attack("fmn", {{"norm", "l2"}, {"steps", "50"}, {"target_classes", "2"}, {"eps", std::to_string(eps)}})->run(model, x, criterion, 0);
  EXPECT_TRUE(torch::allclose(bounded.minimum_distance, free.minimum_distance));
  EXPECT_TRUE(torch::equal(bounded.success, free.minimum_distance <= eps * (1 + 1e-5)));
  EXPECT_GT(bounded.success.sum().item<int64_t>(), 0);
  EXPECT_LT(bounded.success.sum().item<int64_t>(), 32);
  EXPECT_LE(bounded.distances.l2.max().item<double>(), eps * (1 + 1e-5) + 1e-6);
  EXPECT_EQ(make_attack("fmn", {{"eps", "0.5"}})->params()["eps"].get<double>(), 0.5);
  EXPECT_TRUE(make_attack("fmn", {})->params()["eps"].is_null());
}

// Untargeted, the sweep adds runs towards the most likely other classes: its first run is
// the untargeted one, so no sample ends farther than without it, and the nearest class
// is often another one (L1 bench, Fashion CNN: optimality 0.88 -> 0.97 with 9 targets).
TEST(Fmn, SweepOverTargetClassesIsNeverFartherAndOftenCloser) {
  if (!testing::fashion_mnist_available()) GTEST_SKIP() << "Fashion-MNIST not installed";
  auto b = fmn_cnn_batch();
  auto run = [&](const char* targets) {
    return make_attack("fmn", {{"norm", "l1"}, {"steps", "50"}, {"target_classes", targets}})
        ->run(*testing::fashion_cnn().model, b.x, Misclassification(b.labels), 0);
  };
  auto alone = run("0"), swept = run("3");
  auto d0 = alone.minimum_distance.index_select(0, b.correct);
  auto d3 = swept.minimum_distance.index_select(0, b.correct);
  EXPECT_TRUE((d3 <= d0 * (1 + 1e-6)).all().item<bool>());
  auto closer = (d3 < d0 * 0.95).sum().item<int64_t>();
  std::cout << "median L1 " << d0.median().item<double>() << " -> " << d3.median().item<double>() << ", " << closer
            << " of " << d0.size(0) << " samples 5% closer or more\n";
  EXPECT_GE(closer, d0.size(0) / 10);
  // Success is still any misclassification, checked by the base class's final pass.
  EXPECT_TRUE((swept.predictions.masked_select(swept.success) != b.labels.masked_select(swept.success)).all().item<bool>());
  EXPECT_GE(swept.success.sum().item<int64_t>(), alone.success.sum().item<int64_t>());
  // Four runs of 50 steps, one gradient each step.
  EXPECT_EQ(swept.gradients.sum().item<int64_t>(), 4 * alone.gradients.sum().item<int64_t>());
}

TEST(Fmn, TargetedReachesTheTarget) {
  if (!testing::fashion_mnist_available()) GTEST_SKIP() << "Fashion-MNIST not installed";
  const auto& trained = testing::fashion_cnn();
  auto x = trained.test.images.narrow(0, 0, 50);
  auto targets = torch::full({50}, 8, torch::kLong);
  TargetedMisclassification criterion(targets);
  auto r = make_attack("fmn", {{"norm", "l2"}})->run(*trained.model, x, criterion, 0);
  EXPECT_GE(r.success.to(torch::kDouble).mean().item<double>(), 0.98);
  EXPECT_TRUE(torch::equal(r.predictions.masked_select(r.success), targets.masked_select(r.success)));
}

// Two-class linear model: the minimal Lp perturbation is margin / ||w0 - w1||_dual.
struct FmnLinearProblem {
  torch::Tensor w, x, labels, margin;
  std::shared_ptr<TorchScriptClassifier> model;
};

FmnLinearProblem fmn_linear_problem() {
  torch::manual_seed(11);
  FmnLinearProblem p;
  auto weight = torch::randn({2, 16});
  p.w = weight[0] - weight[1];
  auto bias = torch::stack({0.4 - 0.5 * p.w.sum(), torch::zeros({})});
  auto x = 0.5 + (torch::rand({24, 1, 4, 4}) - 0.5) * 0.2;
  auto margin = x.flatten(1).matmul(p.w) + bias[0];
  auto keep = (margin > 0.1).nonzero().squeeze(1);
  p.x = x.index_select(0, keep);
  p.margin = margin.index_select(0, keep);
  p.labels = torch::zeros({p.x.size(0)}, torch::kLong);
  p.model = testing::make_linear_classifier(weight, bias);
  return p;
}

class FmnLinear : public ::testing::TestWithParam<std::string> {};

TEST_P(FmnLinear, FindsTheExactMinimalDistance) {
  const std::string norm = GetParam();
  auto p = fmn_linear_problem();
  ASSERT_GE(p.x.size(0), 4);
  double dual = norm == "linf" ? p.w.abs().sum().item<double>()
                : norm == "l2" ? p.w.norm().item<double>() : p.w.abs().max().item<double>();
  auto exact = p.margin / dual;
  auto r = make_attack("fmn", {{"norm", norm}})->run(*p.model, p.x, Misclassification(p.labels), 0);
  ASSERT_TRUE(r.success.all().item<bool>());
  auto ratio = r.minimum_distance / exact;
  std::cout << norm << ": fmn / exact distance in [" << ratio.min().item<double>() << ", "
            << ratio.max().item<double>() << "]\n";
  EXPECT_GE(ratio.min().item<double>(), 1 - 1e-4);  // a verified adversarial cannot beat the exact answer
  EXPECT_LE(ratio.max().item<double>(), 1.03);
}

INSTANTIATE_TEST_SUITE_P(Norms, FmnLinear, ::testing::Values("l2", "linf", "l1"));

TEST(Fmn, RejectsBadOptions) {
  EXPECT_THROW(make_attack("fmn", {{"eps", "-1"}}), Error);
  EXPECT_THROW(make_attack("fmn", {{"steps", "0"}}), Error);
  EXPECT_THROW(make_attack("fmn", {{"alpha_init", "-1"}}), Error);
  EXPECT_THROW(make_attack("fmn", {{"norm", "l0"}, {"alpha_final", "31"}}), Error);
  EXPECT_THROW(make_attack("fmn", {{"alpha_init", "1"}, {"alpha_final", "2"}}), Error);
  EXPECT_THROW(make_attack("fmn", {{"gamma_init", "1"}}), Error);
  EXPECT_THROW(make_attack("fmn", {{"gamma_final", "0.5"}}), Error);
  EXPECT_THROW(make_attack("fmn", {{"n_iter", "10"}}), Error);
  EXPECT_THROW(make_attack("fmn", {{"norm", "l3"}}), Error);
  try {
    make_attack("fmn", {{"steps", "0"}});
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("steps"), std::string::npos) << e.what();
  }
  EXPECT_NO_THROW(make_attack("fmn", {{"norm", "l0"}, {"eps", "10"}}));
}

}  // namespace
}  // namespace advlab
