// DDN: on a linear model it reaches the exact smallest L2 distance (|margin| / ||w_y -
// w_j||); on the trained CNN it breaks every sample, no farther than FMN's distances by
// more than a few percent; the radius rule never returns a farther adversarial than one
// it has seen.
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

TEST(Ddn, ReachesTheExactDistanceOnALinearModel) {
  torch::manual_seed(11);
  const int64_t n = 16, d = 10;
  auto w = torch::randn({d});
  auto x = 0.45 + 0.1 * torch::rand({n, d});
  const double c = -(w * 0.5).sum().item<double>();
  auto model = testing::make_linear_classifier(torch::stack({w, -w}), torch::tensor({c, -c}).to(torch::kFloat));
  auto margin = torch::mv(x, w) + c;
  auto labels = (margin < 0).to(torch::kLong);
  auto exact = margin.abs() / w.norm();
  auto r = make_attack("ddn", {{"steps", "200"}})->run(*model, x.view({n, 1, 2, 5}), Misclassification(labels), 0);
  ASSERT_TRUE(r.success.all().item<bool>());
  EXPECT_TRUE((r.minimum_distance >= exact * (1 - 1e-4) - 1e-6).all().item<bool>());
  EXPECT_TRUE((r.minimum_distance <= exact * 1.05 + 1e-4).all().item<bool>())
      << torch::stack({r.minimum_distance, exact}, 1);
}

TEST(Ddn, BreaksTheCnnAsCloseAsFmn) {
  if (!testing::fashion_mnist_available()) GTEST_SKIP() << "Fashion-MNIST not installed";
  const auto& trained = testing::fashion_cnn();
  const auto images = testing::first_test_images(trained, 100);
  const auto &x = images.x, &labels = images.labels, &correct = images.correct;
  Misclassification criterion(labels);
  auto ddn = make_attack("ddn", {{"target_classes", "0"}})->run(*trained.model, x, criterion, 0);
  auto fmn = make_attack("fmn", {{"norm", "l2"}, {"target_classes", "0"}})->run(*trained.model, x, criterion, 0);
  EXPECT_TRUE(ddn.success.all().item<bool>());
  double ddn_median = ddn.minimum_distance.index_select(0, correct).median().item<double>();
  double fmn_median = fmn.minimum_distance.index_select(0, correct).median().item<double>();
  std::cout << "median L2: ddn " << ddn_median << ", fmn " << fmn_median << "\n";
  // Within 6%: 0.673 against 0.676 when DDN came; 0.688 against 0.655 on a Zen 3 machine's
  // copy of the test model in session 19 (FMN's one run has improved since).
  EXPECT_LE(ddn_median, fmn_median * 1.06);
  // The returned adversarial is the one measured (unprojected, no eps).
  auto d = (ddn.adversarials - x).flatten(1).norm(2, 1);
  EXPECT_TRUE(torch::allclose(d.index_select(0, correct), ddn.minimum_distance.index_select(0, correct), 1e-4, 1e-5));
}

// The untargeted run plus targeted runs towards the likeliest other classes: the closest
// is kept, so never farther than the untargeted run alone, and the class the gradient
// heads for is often not the nearest.
TEST(Ddn, SweepOverTargetClassesIsNeverFartherAndOftenCloser) {
  if (!testing::fashion_mnist_available()) GTEST_SKIP() << "Fashion-MNIST not installed";
  const auto& trained = testing::fashion_cnn();
  const auto images = testing::first_test_images(trained, 100);
  const auto &x = images.x, &labels = images.labels, &correct = images.correct;
  auto run = [&](const char* targets) {
    return make_attack("ddn", {{"steps", "50"}, {"target_classes", targets}})
        ->run(*trained.model, x, Misclassification(labels), 0);
  };
  auto alone = run("0"), swept = run("3");
  auto d0 = alone.minimum_distance.index_select(0, correct);
  auto d3 = swept.minimum_distance.index_select(0, correct);
  EXPECT_TRUE((d3 <= d0 * (1 + 1e-6)).all().item<bool>());
  auto closer = (d3 < d0 * 0.95).sum().item<int64_t>();
  std::cout << "median L2 " << d0.median().item<double>() << " -> " << d3.median().item<double>() << ", " << closer
            << " of " << d0.size(0) << " samples 5% closer or more\n";
  EXPECT_GE(closer, d0.size(0) / 20);
  EXPECT_TRUE((swept.predictions.masked_select(swept.success) != labels.masked_select(swept.success)).all().item<bool>());
  EXPECT_EQ(swept.gradients.sum().item<int64_t>(), 4 * alone.gradients.sum().item<int64_t>());
}

TEST(Ddn, RejectsOtherNormsAndBadOptions) {
  EXPECT_THROW(make_attack("ddn", {{"norm", "linf"}}), Error);
  EXPECT_THROW(make_attack("ddn", {{"gamma", "1.5"}}), Error);
  EXPECT_THROW(make_attack("ddn", {{"alpha_final", "2"}}), Error);
  EXPECT_THROW(make_attack("ddn", {{"target_classes", "-1"}}), Error);
}

}  // namespace
}  // namespace advlab
