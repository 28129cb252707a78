// σ-zero: on a two-class linear model its L0 result is adversarial, inside the box and
// close to the exact minimum (the greedy count below); on the trained CNN it breaks
// nearly every sample with a median L0 no worse than FMN-L0's by more than a stated
// margin; the box width sets its scale, so [-1, 1] inputs give the same answers as
// [0, 1]; the same seed gives the same result.
#include "advlab/attacks/registry.h"
#include "advlab/core/error.h"
#include "advlab/criteria/criterion.h"
#include "support/linear_l0.h"
#include "support/trained_models.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <iostream>

namespace advlab {
namespace {

// [0, 1]^64, offset 4 (most margins need several inputs); kept: samples that need at
// least two inputs and where the total gain leaves some room. See support/linear_l0.h.
testing::LinearL0Problem sigma_zero_linear_problem() {
  auto p = testing::linear_l0_problem(21, 60, 64, 4);
  auto keep = ((p.exact >= 2) & (p.total_gain > p.margin * 1.5)).nonzero().squeeze(1);
  return p.select(keep, 8);
}

TEST(SigmaZero, IsCloseToTheExactL0OnALinearModel) {
  auto p = sigma_zero_linear_problem();
  ASSERT_GE(p.x.size(0), 10);
  auto r = make_attack("sigma-zero", {})->run(*p.model, p.x, Misclassification(p.labels), 0);
  ASSERT_TRUE(r.success.all().item<bool>());
  EXPECT_GE(r.adversarials.min().item<double>(), 0.0);
  EXPECT_LE(r.adversarials.max().item<double>(), 1.0);
  auto fooled = p.model->predict(r.adversarials) != p.labels;
  EXPECT_TRUE(fooled.all().item<bool>());
  // No adversarial can beat the exact count. sigma-zero keeps the inputs its pruning
  // leaves (chosen by |delta_j| and the normalised gradient, not by gain), so it may keep
  // an input or two more than the greedy set: measured on this problem and three other
  // seeds of it, at most 2 more (5 for 3) and 0.1 - 0.2 more on average.
  EXPECT_TRUE((r.minimum_distance >= p.exact).all().item<bool>()) << torch::stack({r.minimum_distance, p.exact}, 1);
  EXPECT_TRUE((r.minimum_distance <= p.exact * 1.5 + 1).all().item<bool>())
      << torch::stack({r.minimum_distance, p.exact}, 1);
  double exact_mean = p.exact.mean().item<double>(), found_mean = r.minimum_distance.mean().item<double>();
  std::cout << "linear: exact L0 mean " << exact_mean << ", sigma-zero mean " << found_mean << "\n";
  EXPECT_LE(found_mean, exact_mean + 0.5);
}

struct SigmaZeroCnnBatch {
  torch::Tensor x, labels, correct;
};

SigmaZeroCnnBatch sigma_zero_cnn_batch() {
  const auto& trained = testing::fashion_cnn();
  SigmaZeroCnnBatch b;
  b.x = trained.test.images.narrow(0, 0, 56);
  b.labels = trained.test.labels.narrow(0, 0, 56);
  b.correct = (trained.model->predict(b.x) == b.labels).nonzero().squeeze(1);
  return b;
}

TEST(SigmaZero, BreaksTheCnnAboutAsSparselyAsFmn) {
  if (!testing::fashion_mnist_available()) GTEST_SKIP() << "Fashion-MNIST not installed";
  auto b = sigma_zero_cnn_batch();
  auto& model = *testing::fashion_cnn().model;
  Misclassification criterion(b.labels);
  // 100 steps (the default is 1000): the margin below was set at this cost.
  auto sigma = make_attack("sigma-zero", {{"steps", "100"}})->run(model, b.x, criterion, 0);
  auto fmn = make_attack("fmn", {{"norm", "l0"}, {"target_classes", "0"}})->run(model, b.x, criterion, 0);
  auto broken = sigma.success.index_select(0, b.correct);
  double rate = broken.to(torch::kDouble).mean().item<double>();
  double sigma_median = sigma.minimum_distance.index_select(0, b.correct).median().item<double>();
  double fmn_median = fmn.minimum_distance.index_select(0, b.correct).median().item<double>();
  std::cout << b.correct.size(0) << " correct; sigma-zero success " << rate << ", median L0 sigma-zero "
            << sigma_median << ", fmn " << fmn_median << "\n";
  // Measured on this batch and five others of the test set (offsets 56 to 400): every
  // sample broken, and medians 5 vs 7, 7 vs 9, 7 vs 9, 7 vs 8, 6 vs 6, 7 vs 8 pixels
  // (sigma-zero vs FMN). Test-model seeds 1/2/3 on this batch: 5 vs 7, 5 vs 8, 8 vs 7.
  // The margin allows a quarter more than FMN's, plus two pixels.
  EXPECT_GE(rate, 0.95);
  EXPECT_LE(sigma_median, fmn_median * 1.25 + 2);
  // The returned adversarial is the one measured, and inside the box.
  auto l0 = (sigma.adversarials != b.x).flatten(1).sum(1).to(torch::kFloat);
  auto rows = b.correct.masked_select(broken);
  EXPECT_TRUE(torch::equal(l0.index_select(0, rows), sigma.minimum_distance.index_select(0, rows)));
  EXPECT_GE(sigma.adversarials.min().item<double>(), 0.0);
  EXPECT_LE(sigma.adversarials.max().item<double>(), 1.0);
}

TEST(SigmaZero, TheBoxWidthSetsTheScale) {
  if (!testing::fashion_mnist_available()) GTEST_SKIP() << "Fashion-MNIST not installed";
  auto b = sigma_zero_cnn_batch();
  const auto& trained = testing::fashion_cnn();
  ClassifierOptions o;
  o.bounds = Bounds{-1.0, 1.0};
  o.mean = {-1.0};
  o.std = {2.0};
  TorchScriptClassifier symmetric(trained.model->module(), o);  // sees (x + 1) / 2
  auto x = b.x.narrow(0, 0, 24), labels = b.labels.narrow(0, 0, 24);
  auto unit = make_attack("sigma-zero", {{"steps", "30"}})->run(*trained.model, x, Misclassification(labels), 0);
  auto wide = make_attack("sigma-zero", {{"steps", "30"}})->run(symmetric, x * 2 - 1, Misclassification(labels), 0);
  EXPECT_TRUE(torch::equal(unit.success, wide.success));
  auto both = (unit.success & wide.success).nonzero().squeeze(1);
  // The same walk up to float round-off in x * 2 - 1: L0 counts agree within a few pixels.
  auto gap = (unit.minimum_distance.index_select(0, both) - wide.minimum_distance.index_select(0, both)).abs();
  std::cout << "[0,1] vs [-1,1]: max L0 gap " << gap.max().item<double>() << "\n";
  EXPECT_LE(gap.max().item<double>(), 3);
}

TEST(SigmaZero, SameSeedSameResult) {
  auto p = sigma_zero_linear_problem();
  auto attack = make_attack("sigma-zero", {{"steps", "20"}});
  auto a = attack->run(*p.model, p.x, Misclassification(p.labels), 7);
  auto b = attack->run(*p.model, p.x, Misclassification(p.labels), 7);
  EXPECT_TRUE(torch::equal(a.adversarials, b.adversarials));
  EXPECT_TRUE(torch::equal(a.success, b.success));
}

TEST(SigmaZero, RejectsOtherNormsAndBadOptions) {
  EXPECT_THROW(make_attack("sigma-zero", {{"norm", "l2"}}), Error);
  EXPECT_THROW(make_attack("sigma-zero", {{"sigma", "0"}}), Error);
  EXPECT_THROW(make_attack("sigma-zero", {{"tau_init", "1.5"}}), Error);
  EXPECT_THROW(make_attack("sigma-zero", {{"steps", "0"}}), Error);
  EXPECT_NO_THROW(make_attack("sigma-zero", {{"eps", "10"}}));
}

}  // namespace
}  // namespace advlab
