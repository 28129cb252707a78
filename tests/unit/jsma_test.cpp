// JSMA: on a linear model the saliency map is known in closed form from W, so the pixels
// it changes are known exactly; on the trained CNN it reaches its targets within its
// pixel budget far more often than random sparse changes, and never leaves its mask.
#include "advlab/attacks/mask/jsma.h"
#include "advlab/attacks/registry.h"
#include "advlab/core/error.h"
#include "advlab/criteria/criterion.h"
#include "advlab/criteria/target_selection.h"
#include "advlab/threat/mask.h"
#include "advlab/threat/threat_model.h"
#include "support/linear_model.h"
#include "support/trained_models.h"

#include <ATen/CPUGeneratorImpl.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <iostream>
#include <set>

namespace advlab {
namespace {

// Three classes, eight features seen as a 2x4 image, all at 0.2; target class 1.
// alpha = W[1] = dz_t/dx, beta = W[0] + W[2] = d(sum of others)/dx:
//   alpha = [0.1, 2.0, 0.3,  1.5, -1.0,  0.2, 0.0,  0.4]
//   beta  = [0.5,-1.5, 0.3, -1.0,  1.0, -0.1, 0.5, -0.5]
// The best pair under -(a_p + a_q)(b_p + b_q) with a > 0, b < 0 is (1, 3) (score 8.75);
// among the rest it is (5, 7) (0.6 * 0.6). Logits at x are [4.3, 0, 3.3]: after the first
// pair (each pixel +0.8) class 0 still wins (z1 - z0 = -0.3), after the second the target
// does (z1 - z0 = 0.26, z1 - z2 = 1.18).
struct JsmaLinear {
  torch::Tensor x, weight, bias;
  std::shared_ptr<TorchScriptClassifier> model;
};

JsmaLinear jsma_linear() {
  JsmaLinear p;
  p.weight = torch::tensor({{0.5, -1.0, 0.2, -0.5, 0.5, -0.2, 0.3, 0.1},
                            {0.1, 2.0, 0.3, 1.5, -1.0, 0.2, 0.0, 0.4},
                            {0.0, -0.5, 0.1, -0.5, 0.5, 0.1, 0.2, -0.6}},
                           torch::kFloat32);
  p.x = torch::full({1, 1, 2, 4}, 0.2f);
  auto at_x = p.weight.matmul(p.x.flatten());
  p.bias = torch::tensor({4.3f, 0.0f, 3.3f}) - at_x;
  p.model = testing::make_linear_classifier(p.weight, p.bias);
  return p;
}

std::set<int64_t> jsma_changed_pixels(const torch::Tensor& x, const torch::Tensor& adv) {
  auto idx = (adv.flatten() != x.flatten()).nonzero().flatten();
  std::set<int64_t> out;
  for (int64_t i = 0; i < idx.numel(); ++i) out.insert(idx[i].item<int64_t>());
  return out;
}

std::set<int64_t> jsma_pair(const std::pair<torch::Tensor, torch::Tensor>& choice) {
  return {choice.first.item<int64_t>(), choice.second.item<int64_t>()};
}

// The paper's JSMA (directions=theta): every pixel moves up by theta.
TEST(Jsma, LinearModelChangesThePairsTheSaliencyMapRanksFirst) {
  auto p = jsma_linear();
  TargetedMisclassification target(torch::tensor({int64_t{1}}));
  ASSERT_FALSE(target.is_adversarial(p.model->logits(p.x)).item<bool>());

  // Enough budget: exactly the two best pairs, each pixel moved to the upper bound.
  auto result = make_attack("jsma", {{"eps", "8"}, {"prune", "0"}, {"directions", "theta"}})->run(*p.model, p.x, target);
  EXPECT_TRUE(result.success.item<bool>());
  EXPECT_EQ(jsma_changed_pixels(p.x, result.adversarials), (std::set<int64_t>{1, 3, 5, 7}));
  for (int64_t i : {1, 3, 5, 7}) EXPECT_FLOAT_EQ(result.adversarials.flatten()[i].item<float>(), 1.0f);
  // By default the pixels the target no longer needs are put back (l0_prune.h): fewer
  // than the four, all among them, and still adversarial.
  auto pruned = make_attack("jsma", {{"eps", "8"}, {"directions", "theta"}})->run(*p.model, p.x, target);
  EXPECT_TRUE(pruned.success.item<bool>());
  auto kept = jsma_changed_pixels(p.x, pruned.adversarials);
  EXPECT_LT(kept.size(), 4u);
  for (int64_t i : kept) EXPECT_TRUE(i == 1 || i == 3 || i == 5 || i == 7) << i;

  // A budget of one pair: the first pair only, which is not enough.
  auto one_pair = make_attack("jsma", {{"eps", "2"}, {"prune", "0"}, {"directions", "theta"}})->run(*p.model, p.x, target);
  EXPECT_FALSE(one_pair.success.item<bool>());
  // A failed sample comes back clean; the pair it tried is visible through jsma_choose.
  auto alpha = p.weight[1].view({1, -1});
  auto beta = (p.weight[0] + p.weight[2]).view({1, -1});
  auto domain = torch::ones({1, 8}, torch::kBool);
  auto first = jsma_choose(alpha, beta, domain, torch::zeros({1}, torch::kBool), true);
  EXPECT_EQ(jsma_pair(first), (std::set<int64_t>{1, 3}));
  domain.index_put_({0, torch::tensor({int64_t{1}, int64_t{3}})}, false);
  auto second = jsma_choose(alpha, beta, domain, torch::zeros({1}, torch::kBool), true);
  EXPECT_EQ(jsma_pair(second), (std::set<int64_t>{5, 7}));
  // Single coordinate: -a*b is largest for pixel 1 (2.0 * 1.5).
  auto single = jsma_choose(alpha, beta, torch::ones({1, 8}, torch::kBool), torch::ones({1}, torch::kBool), true);
  EXPECT_EQ(jsma_pair(single), (std::set<int64_t>{1}));
}

// The pruned pair search must find the same best score as trying every pair.
TEST(Jsma, PairSearchMatchesTheExhaustiveSearch) {
  torch::manual_seed(5);
  for (int64_t d : {12, 300, 784}) {
    const int64_t n = 6;
    // Heavy-tailed gradients, as on images: mostly small, a few large.
    auto alpha = torch::randn({n, d}) * torch::randn({n, d}).pow(4);
    auto beta = -0.5 * alpha + torch::randn({n, d}) * torch::randn({n, d}).pow(4);
    auto domain = torch::rand({n, d}) < 0.9;
    for (bool increase : {true, false}) {
      auto choice = jsma_choose(alpha, beta, domain, torch::zeros({n}, torch::kBool), increase);
      const float sign = increase ? 1.f : -1.f;
      auto a = (sign * alpha).contiguous(), b = (sign * beta).contiguous();
      auto A = a.accessor<float, 2>(), B = b.accessor<float, 2>();
      auto D = domain.accessor<bool, 2>();
      for (int64_t i = 0; i < n; ++i) {
        double best = -1;
        for (int64_t p = 0; p < d; ++p)
          for (int64_t q = p + 1; q < d; ++q) {
            if (!D[i][p] || !D[i][q]) continue;
            double sa = A[i][p] + A[i][q], sb = B[i][p] + B[i][q];
            if (sa > 0 && sb < 0) best = std::max(best, -sa * sb);
          }
        ASSERT_GT(best, 0) << "no valid pair in the test data";
        int64_t p = choice.first[i].item<int64_t>(), q = choice.second[i].item<int64_t>();
        ASSERT_NE(p, q);
        EXPECT_TRUE(D[i][p] && D[i][q]);
        double got = -(A[i][p] + A[i][q]) * (B[i][p] + B[i][q]);
        EXPECT_NEAR(got, best, 1e-6 * best) << "d " << d << " sample " << i << (increase ? " up" : " down");
      }
    }
  }
}

// Both directions: candidates [0, d) raise coordinate i, [d, 2d) lower it; the search
// never pairs a coordinate with itself, and otherwise finds the exhaustive search's best.
TEST(Jsma, PairSearchOverBothDirectionsNeverPairsACoordinateWithItself) {
  torch::manual_seed(9);
  for (int64_t d : {12, 300}) {
    const int64_t n = 6;
    auto alpha = torch::randn({n, d}) * torch::randn({n, d}).pow(4);
    auto beta = -0.5 * alpha + torch::randn({n, d}) * torch::randn({n, d}).pow(4);
    auto up = torch::rand({n, d}), down = 1 - up;
    auto a = torch::cat({alpha * up, -alpha * down}, 1), b = torch::cat({beta * up, -beta * down}, 1);
    auto domain = torch::rand({n, 2 * d}) < 0.9;
    auto choice = jsma_choose(a, b, domain, torch::zeros({n}, torch::kBool), true, d);
    auto A = a.accessor<float, 2>(), B = b.accessor<float, 2>();
    auto D = domain.accessor<bool, 2>();
    for (int64_t i = 0; i < n; ++i) {
      double best = -1;
      for (int64_t p = 0; p < 2 * d; ++p)
        for (int64_t q = p + 1; q < 2 * d; ++q) {
          if (!D[i][p] || !D[i][q] || q - p == d) continue;
          double sa = A[i][p] + A[i][q], sb = B[i][p] + B[i][q];
          if (sa > 0 && sb < 0) best = std::max(best, -sa * sb);
        }
      ASSERT_GT(best, 0) << "no valid pair in the test data";
      int64_t p = choice.first[i].item<int64_t>(), q = choice.second[i].item<int64_t>();
      ASSERT_NE(p % d, q % d) << "sample " << i;
      EXPECT_TRUE(D[i][p] && D[i][q]);
      double got = -(A[i][p] + A[i][q]) * (B[i][p] + B[i][q]);
      EXPECT_NEAR(got, best, 1e-6 * best) << "d " << d << " sample " << i;
    }
  }
}

// A target only lowering pixels can reach: at x = 0.5, class 1 gains and class 0 loses
// exactly what pixels 2 and 6 lose. Both ways: those two go to 0 and the target wins;
// raise-only has no valid pair and fails within the same 2 pixels.
TEST(Jsma, BothDirectionsLowerThePixelsOnlyLoweringHelps) {
  auto weight = torch::zeros({3, 8});
  weight.index_put_({0, torch::tensor({int64_t{2}, int64_t{6}})}, 1.0f);
  weight.index_put_({1, torch::tensor({int64_t{2}, int64_t{6}})}, -1.0f);
  auto x = torch::full({1, 1, 2, 4}, 0.5f);
  auto model = testing::make_linear_classifier(weight, torch::tensor({1.0f, 0.0f, 0.2f}) - weight.matmul(x.flatten()));
  TargetedMisclassification target(torch::tensor({int64_t{1}}));
  ASSERT_FALSE(target.is_adversarial(model->logits(x)).item<bool>());
  auto both = make_attack("jsma", {{"eps", "2"}, {"prune", "0"}, {"directions", "both"}})->run(*model, x, target);
  EXPECT_TRUE(both.success.item<bool>());
  EXPECT_EQ(jsma_changed_pixels(x, both.adversarials), (std::set<int64_t>{2, 6}));
  EXPECT_FLOAT_EQ(both.adversarials.flatten()[2].item<float>(), 0.0f);
  EXPECT_FLOAT_EQ(both.adversarials.flatten()[6].item<float>(), 0.0f);
  auto raise_only = make_attack("jsma", {{"eps", "2"}, {"prune", "0"}, {"directions", "theta"}})->run(*model, x, target);
  EXPECT_FALSE(raise_only.success.item<bool>());
}

TEST(Jsma, LinearModelWithAMaskChangesOnlyAllowedPixels) {
  auto p = jsma_linear();
  TargetedMisclassification target(torch::tensor({int64_t{1}}));
  // rect:0,0,0.5,1 = the left half: pixels {0, 1, 4, 5}. Among them the best pair is
  // (1, 5): alpha 2.2, beta -1.6.
  auto attack = make_attack("jsma", {{"eps", "2"}, {"mask", "rect:0,0,0.5,1"}});
  auto result = attack->run(*p.model, p.x, target);
  ASSERT_TRUE(attack->mask().defined());
  auto domain = (attack->mask().flatten() > 0.5).view({1, -1});
  auto choice = jsma_choose(p.weight[1].view({1, -1}), (p.weight[0] + p.weight[2]).view({1, -1}), domain,
                            torch::zeros({1}, torch::kBool), true);
  EXPECT_EQ(jsma_pair(choice), (std::set<int64_t>{1, 5}));
  // With the whole mask as budget it may succeed or not, but never touches pixels 2, 3, 6, 7.
  auto full = make_attack("jsma", {{"mask", "rect:0,0,0.5,1"}, {"gamma", "1"}})->run(*p.model, p.x, target);
  for (int64_t i : jsma_changed_pixels(p.x, full.adversarials)) EXPECT_TRUE(i == 0 || i == 1 || i == 4 || i == 5) << i;
  EXPECT_TRUE(unchanged_outside(p.x, full.adversarials, attack->mask()).all().item<bool>());
}

TEST(Jsma, DecreasingChangesThePairWithTheMostNegativeTargetGradient) {
  // Decreasing wants alpha_p + alpha_q < 0 and beta_p + beta_q > 0: the best pair is
  // (4, 6) (alpha -1.0, beta 1.5, score 1.5). Moving both from 0.9 to 0
  // turns logits [1.0, 0, 0.5] into [0.28, 0.9, -0.13]: the target.
  auto p = jsma_linear();
  auto x = torch::full({1, 1, 2, 4}, 0.9f);
  auto model = testing::make_linear_classifier(
      p.weight, torch::tensor({1.0f, 0.0f, 0.5f}) - p.weight.matmul(x.flatten()));
  TargetedMisclassification target(torch::tensor({int64_t{1}}));
  auto result = make_attack("jsma", {{"theta", "-1"}, {"eps", "2"}, {"prune", "0"}, {"directions", "theta"}})->run(*model, x, target);
  EXPECT_TRUE(result.success.item<bool>());
  EXPECT_EQ(jsma_changed_pixels(x, result.adversarials), (std::set<int64_t>{4, 6}));
  EXPECT_FLOAT_EQ(result.adversarials.flatten()[4].item<float>(), 0.0f);
  EXPECT_FLOAT_EQ(result.adversarials.flatten()[6].item<float>(), 0.0f);
}

TEST(Jsma, RejectsBadOptions) {
  EXPECT_THROW(make_attack("jsma", {{"theta", "0"}}), Error);
  EXPECT_THROW(make_attack("jsma", {{"theta", "1.5"}}), Error);
  EXPECT_THROW(make_attack("jsma", {{"gamma", "0"}}), Error);
  EXPECT_THROW(make_attack("jsma", {{"gamma", "1.2"}}), Error);
  EXPECT_THROW(make_attack("jsma", {{"eps", "-1"}}), Error);
  EXPECT_THROW(make_attack("jsma", {{"mask", "rect:0,0"}}), Error);
  EXPECT_THROW(make_attack("jsma", {{"prune", "-1"}}), Error);
  EXPECT_THROW(make_attack("jsma", {{"mask", "/no/such/mask.png"}}), Error);
  EXPECT_THROW(make_attack("jsma", {{"norm", "l2"}}), Error);
  EXPECT_THROW(make_attack("jsma", {{"directions", "up"}}), Error);
}

struct JsmaCnnSamples {
  torch::Tensor x, labels, targets;
};

JsmaCnnSamples jsma_cnn_samples(int64_t count) {
  const auto& trained = testing::fashion_cnn();
  auto pred = trained.model->predict(trained.test.images);
  auto ok = (pred == trained.test.labels).nonzero().squeeze(1).narrow(0, 0, count);
  JsmaCnnSamples s{trained.test.images.index_select(0, ok), trained.test.labels.index_select(0, ok), {}};
  auto gen = at::detail::createCPUGenerator(17);
  s.targets = choose_targets(TargetSelection{}, s.labels, {}, 10, gen);
  return s;
}

TEST(Jsma, TrainedCnnReachesTargetsWithinTheBudgetFarMoreOftenThanRandomPixels) {
  if (!testing::fashion_mnist_available()) GTEST_SKIP() << "Fashion-MNIST not installed";
  auto& model = *testing::fashion_cnn().model;
  auto s = jsma_cnn_samples(40);
  TargetedMisclassification criterion(s.targets);
  auto result = make_attack("jsma", {{"gamma", "0.1"}})->run(model, s.x, criterion, 1);
  const double budget = std::floor(0.1 * 784);
  auto l0 = make_threat_model("l0")->distance(s.x, result.adversarials);
  for (int64_t i = 0; i < s.x.size(0); ++i) EXPECT_LE(l0[i].item<double>(), budget) << "sample " << i;
  double rate = result.success.to(torch::kDouble).mean().item<double>();

  // The same number of pixels set to 1 at random positions (JSMA with theta = +1 sets
  // its pixels to 1), 20 tries per sample.
  auto gen = at::detail::createCPUGenerator(23);
  int64_t hits = 0, tries = 20;
  torch::NoGradGuard no_grad;
  for (int64_t i = 0; i < s.x.size(0); ++i) {
    auto imgs = s.x[i].unsqueeze(0).repeat({tries, 1, 1, 1}).view({tries, -1});
    for (int64_t t = 0; t < tries; ++t)
      imgs[t].index_fill_(0, at::randperm(784, gen, torch::kLong).narrow(0, 0, static_cast<int64_t>(budget)), 1.0);
    auto pred = model.logits(imgs.view({tries, 1, 28, 28})).argmax(1);
    hits += (pred == s.targets[i]).sum().item<int64_t>();
  }
  double random_rate = static_cast<double>(hits) / (tries * s.x.size(0));
  auto broken = result.success.nonzero().flatten();
  std::cout << "jsma targeted success " << rate << " (random " << budget << " pixels: " << random_rate
            << "), median L0 " << (broken.numel() ? l0.index_select(0, broken).median().item<double>() : 0.0)
            << "\n";
  // Measured: 0.55 targeted (random 78 pixels set to 1: 0.07). Fashion-MNIST is harder for
  // JSMA than MNIST (paper: 97% at 14.5% of the pixels): objects are large and mid-grey.
  // Test-model seeds 1/2/3: 0.60, 0.50, 0.55; margin: 4 of the 40 samples below the lowest.
  EXPECT_GE(rate, 0.4);
  EXPECT_GT(rate, random_rate + 0.3);

}

// Both directions (an option: the default stays raise-only, see docs/attacks/jsma.md) against the paper's raise-only search at the paper's
// setting (targeted, gamma 0.145, no pruning): on Fashion-MNIST's grey objects lowering
// pixels matters.
TEST(Jsma, TrainedCnnReachesMoreTargetsWhenPixelsMayAlsoGoDown) {
  if (!testing::fashion_mnist_available()) GTEST_SKIP() << "Fashion-MNIST not installed";
  auto& model = *testing::fashion_cnn().model;
  auto s = jsma_cnn_samples(40);
  TargetedMisclassification criterion(s.targets);
  auto run = [&](const char* directions) {
    return make_attack("jsma", {{"gamma", "0.145"}, {"prune", "0"}, {"directions", directions}})
        ->run(model, s.x, criterion, 1);
  };
  auto both = run("both"), raise_only = run("theta");
  auto rate = [](const AttackResult& r) { return r.success.to(torch::kDouble).mean().item<double>(); };
  std::cout << "targeted, gamma 0.145: both directions " << rate(both) << ", raise only " << rate(raise_only) << "\n";
  // Measured (both / raise only) on test-model seeds 1/2/3: 0.75/0.70, 0.675/0.50,
  // 0.80/0.75 (and 0.80/0.625 on an older cached model): always 2 or more of the 40 ahead.
  EXPECT_GE(rate(both), rate(raise_only));
  EXPECT_TRUE((both.adversarials < s.x).any().item<bool>());
  EXPECT_FALSE((raise_only.adversarials < s.x).any().item<bool>());
  auto l0 = make_threat_model("l0")->distance(s.x, both.adversarials);
  EXPECT_LE(l0.max().item<double>(), std::floor(0.145 * 784));
}

TEST(Jsma, TrainedCnnRespectsTheMaskForEverySample) {
  if (!testing::fashion_mnist_available()) GTEST_SKIP() << "Fashion-MNIST not installed";
  auto& model = *testing::fashion_cnn().model;
  auto s = jsma_cnn_samples(16);
  auto attack = make_attack("jsma", {{"mask", "rect:0.25,0.25,0.5,0.5"}, {"gamma", "0.05"}});
  auto result = attack->run(model, s.x, Misclassification(s.labels), 1);
  auto kept = unchanged_outside(s.x, result.adversarials, attack->mask());
  for (int64_t i = 0; i < s.x.size(0); ++i) EXPECT_TRUE(kept[i].item<bool>()) << "sample " << i;
  EXPECT_GT(result.success.sum().item<int64_t>(), 0);
  EXPECT_GT((result.adversarials != s.x).sum().item<int64_t>(), 0);
}

}  // namespace
}  // namespace advlab
