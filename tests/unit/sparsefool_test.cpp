// SparseFool: on the trained CNN it breaks nearly every sample with a small fraction of the
// pixels, far more often than random changes of as many pixels, never leaves its mask, and
// on a linear model it needs only the largest-|w| pixels.
#include "advlab/attacks/registry.h"
#include "advlab/core/error.h"
#include "advlab/criteria/criterion.h"
#include "advlab/threat/mask.h"
#include "advlab/threat/threat_model.h"
#include "support/linear_model.h"
#include "support/trained_models.h"

#include <ATen/CPUGeneratorImpl.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <iostream>

namespace advlab {
namespace {

TEST(SparseFool, LinearModelMovesTheLargestWeightPixelsFirst) {
  // Two classes, z0 - z1 = w.x + c with |w| largest at pixels 2 and 5: the L1 solver spends
  // its mass there, so those are the pixels that change (lambda = 1: just past the boundary).
  auto w = torch::tensor({0.1f, -0.2f, 3.0f, 0.3f, 0.1f, -2.0f, 0.2f, 0.1f});
  auto weight = torch::stack({w, torch::zeros_like(w)});
  auto x = torch::full({1, 1, 2, 4}, 0.5f);
  auto bias = torch::stack({2.0f - w.dot(x.flatten()), torch::zeros({})});  // margin 2
  auto model = testing::make_linear_classifier(weight, bias);
  Misclassification criterion(torch::zeros({1}, torch::kLong));
  auto result = make_attack("sparsefool", {{"lambda", "1"}})->run(*model, x, criterion);
  EXPECT_TRUE(result.success.item<bool>());
  auto delta = (result.adversarials - x).flatten();
  // Pixel 2 alone can lower the margin by 3.0 * 0.5 = 1.5 < 2, so pixel 5 (2.0 * 0.5) joins.
  EXPECT_LT(delta[2].item<double>(), 0.0);
  EXPECT_GT(delta[5].item<double>(), 0.0);
  for (int64_t i : {0, 1, 3, 4, 6, 7}) EXPECT_EQ(delta[i].item<double>(), 0.0) << "pixel " << i;
}

TEST(SparseFool, RejectsBadOptions) {
  EXPECT_THROW(make_attack("sparsefool", {{"lambda", "0.5"}}), Error);
  EXPECT_THROW(make_attack("sparsefool", {{"max_iter", "0"}}), Error);
  EXPECT_THROW(make_attack("sparsefool", {{"candidates", "1"}}), Error);
  EXPECT_THROW(make_attack("sparsefool", {{"overshoot", "-1"}}), Error);
  EXPECT_THROW(make_attack("sparsefool", {{"norm", "l2"}}), Error);
  EXPECT_THROW(make_attack("sparsefool", {{"mask", "circle:2,0,0"}}), Error);
}

struct SparseFoolSamples {
  torch::Tensor x, labels;
};

SparseFoolSamples sparsefool_samples(int64_t count) {
  const auto& trained = testing::fashion_cnn();
  auto pred = trained.model->predict(trained.test.images);
  auto ok = (pred == trained.test.labels).nonzero().squeeze(1).narrow(0, 0, count);
  return {trained.test.images.index_select(0, ok), trained.test.labels.index_select(0, ok)};
}

TEST(SparseFool, TrainedCnnBreaksNearlyEverySampleWithFewPixels) {
  if (!testing::fashion_mnist_available()) GTEST_SKIP() << "Fashion-MNIST not installed";
  auto& model = *testing::fashion_cnn().model;
  auto s = sparsefool_samples(40);
  // The attack itself, one run (its target sweep: MinimumNormSweep).
  auto result = make_attack("sparsefool", {{"target_classes", "0"}})->run(model, s.x, Misclassification(s.labels), 1);
  double rate = result.success.to(torch::kDouble).mean().item<double>();
  auto l0 = make_threat_model("l0")->distance(s.x, result.adversarials);
  auto broken = result.success.nonzero().flatten();
  ASSERT_GT(broken.numel(), 0);
  double median = l0.index_select(0, broken).median().item<double>();

  // Random changes of as many pixels as SparseFool's median, values 0 or 1, 20 tries each.
  auto gen = at::detail::createCPUGenerator(29);
  const int64_t pixels = static_cast<int64_t>(median), tries = 20;
  int64_t hits = 0;
  torch::NoGradGuard no_grad;
  for (int64_t i = 0; i < s.x.size(0); ++i) {
    auto imgs = s.x[i].unsqueeze(0).repeat({tries, 1, 1, 1}).view({tries, -1});
    for (int64_t t = 0; t < tries; ++t) {
      auto pos = at::randperm(784, gen, torch::kLong).narrow(0, 0, pixels);
      imgs[t].index_put_({pos}, at::randint(0, 2, {pixels}, gen, torch::kLong).to(torch::kFloat32));
    }
    auto pred = model.logits(imgs.view({tries, 1, 28, 28})).argmax(1);
    hits += (pred != s.labels[i]).sum().item<int64_t>();
  }
  double random_rate = static_cast<double>(hits) / (tries * s.x.size(0));
  std::cout << "sparsefool success " << rate << ", median L0 " << median << " (random " << pixels
            << " pixels: " << random_rate << ")\n";
  EXPECT_GE(rate, 0.9);
  EXPECT_LT(median, 0.15 * 784);
  EXPECT_GT(rate, random_rate + 0.5);
}

// In L1 mode the result is bisected back along the segment from x: every sample broken
// without it stays broken, and no L1 distance grows.
TEST(SparseFool, L1FinalBisectionKeepsEverySuccessAndNeverGrowsADistance) {
  if (!testing::fashion_mnist_available()) GTEST_SKIP() << "Fashion-MNIST not installed";
  auto& model = *testing::fashion_cnn().model;
  auto s = sparsefool_samples(16);
  Misclassification criterion(s.labels);
  auto refined = make_attack("sparsefool", {{"norm", "l1"}})->run(model, s.x, criterion, 1);
  auto plain = make_attack("sparsefool", {{"norm", "l1"}, {"refine_steps", "0"}})->run(model, s.x, criterion, 1);
  EXPECT_TRUE(torch::equal(refined.success, plain.success));
  auto both = plain.success.nonzero().flatten();
  ASSERT_GT(both.numel(), 8);
  EXPECT_TRUE((refined.minimum_distance.index_select(0, both) <=
               plain.minimum_distance.index_select(0, both) * (1 + 1e-6)).all().item<bool>());
}

TEST(SparseFool, TrainedCnnRespectsTheMaskForEverySample) {
  if (!testing::fashion_mnist_available()) GTEST_SKIP() << "Fashion-MNIST not installed";
  auto& model = *testing::fashion_cnn().model;
  auto s = sparsefool_samples(16);
  auto attack = make_attack("sparsefool", {{"mask", "rect:0.2,0.2,0.6,0.6"}, {"norm", "l1"}});
  auto result = attack->run(model, s.x, Misclassification(s.labels), 1);
  auto kept = unchanged_outside(s.x, result.adversarials, attack->mask());
  for (int64_t i = 0; i < s.x.size(0); ++i) EXPECT_TRUE(kept[i].item<bool>()) << "sample " << i;
  EXPECT_GT(result.success.to(torch::kDouble).mean().item<double>(), 0.5);
  // The attack itself kept to the mask: what it returned needed no restoring, so every
  // reported success is a real one (checked by a fresh forward pass).
  torch::NoGradGuard no_grad;
  EXPECT_TRUE(torch::equal(result.success, Misclassification(s.labels).is_adversarial(model.logits(result.adversarials))));
}

TEST(SparseFool, TargetedReachesTargets) {
  if (!testing::fashion_mnist_available()) GTEST_SKIP() << "Fashion-MNIST not installed";
  auto& model = *testing::fashion_cnn().model;
  auto s = sparsefool_samples(16);
  auto targets = (s.labels + 1).remainder(10);
  TargetedMisclassification criterion(targets);
  auto result = make_attack("sparsefool", {})->run(model, s.x, criterion, 1);
  EXPECT_TRUE(torch::equal(result.success, result.predictions == targets));
  EXPECT_GE(result.success.to(torch::kDouble).mean().item<double>(), 0.5);
}

}  // namespace
}  // namespace advlab
