// RP2 on the trained CNN: targeted stickers hold on fresh random views far more often
// than random noise in the same stickers, and never touch a pixel outside the mask. Its
// regularisers measure what they say. Placed stickers are two non-overlapping bars per
// image where the saliency is (known answers), and nothing outside them changes.
#include "advlab/attacks/mask/rp2.h"
#include "advlab/attacks/registry.h"
#include "advlab/core/error.h"
#include "advlab/criteria/criterion.h"
#include "advlab/eval/transform_robustness.h"
#include "advlab/threat/mask.h"
#include "support/trained_models.h"

#include <ATen/CPUGeneratorImpl.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

namespace advlab {
namespace {

TEST(Rp2, TargetedStickersHoldOnFreshViewsFarMoreThanNoise) {
  if (!testing::fashion_mnist_available()) GTEST_SKIP() << "Fashion-MNIST not installed";
  const auto& trained = testing::fashion_cnn();
  auto& model = *trained.model;
  auto x = trained.test.images.narrow(0, 0, 16);
  auto labels = trained.test.labels.narrow(0, 0, 16);
  auto targets = (labels + 3).remainder(10);
  TargetedMisclassification criterion(targets);

  // fill 0: views show Fashion-MNIST's black background where they leave the image.
  // 4 views per step: the figures below were measured so.
  auto attack = make_attack("rp2", {{"mask", "stickers"}, {"steps", "50"}, {"samples", "4"}, {"fill", "0"}});
  auto result = attack->run(model, x, criterion, 11);
  auto mask = make_mask("stickers", 28, 28);
  ASSERT_TRUE(torch::equal(attack->mask(), mask));
  auto kept = unchanged_outside(x, result.adversarials, mask);
  for (int64_t i = 0; i < x.size(0); ++i) EXPECT_TRUE(kept[i].item<bool>()) << "sample " << i;

  // The baseline: the same stickers filled with uniform noise.
  auto gen = at::detail::createCPUGenerator(12);
  auto noise = apply_mask(x, at::rand(x.sizes(), gen), mask);
  eval::TransformSuccessOptions fresh;
  fresh.views = 30;
  fresh.seed = 99;  // not the attack's seed: views it never optimised on
  fresh.transforms.fill(0);
  double attacked = eval::success_under_transforms(model, result.adversarials, criterion, fresh).mean().item<double>();
  double baseline = eval::success_under_transforms(model, noise, criterion, fresh).mean().item<double>();
  std::cout << "rp2 targeted success over fresh views: " << attacked << " (noise in the mask: " << baseline
            << ", plain images: " << result.success.to(torch::kFloat32).mean().item<double>() << ")\n";
  // Two sticker bars (11% of a 28x28 image) against a CNN: measured 0.25 vs 0.08 with
  // Debian's LibTorch 1.13 and 0.206 vs 0.104 with PyPI's 2.15, whose kernels train the
  // test's model slightly differently; the bounds keep a margin below both.
  EXPECT_GT(attacked, 1.6 * baseline);
  EXPECT_GT(attacked, baseline + 0.08);
}

TEST(Rp2, EpsCapsThePerturbationInsideTheMask) {
  if (!testing::fashion_mnist_available()) GTEST_SKIP() << "Fashion-MNIST not installed";
  const auto& trained = testing::fashion_cnn();
  auto x = trained.test.images.narrow(0, 0, 8);
  Misclassification criterion(trained.test.labels.narrow(0, 0, 8));
  auto attack = make_attack("rp2", {{"eps", "1.0"}, {"norm", "l2"}, {"steps", "20"}, {"mask", "rect:0.2,0.2,0.6,0.3"}});
  auto result = attack->run(*trained.model, x, criterion, 1);
  auto d = (result.adversarials - x).flatten(1).norm(2, 1);
  EXPECT_LE(d.max().item<double>(), 1.0 + 1e-4);
  EXPECT_TRUE(unchanged_outside(x, result.adversarials, make_mask("rect:0.2,0.2,0.6,0.3", 28, 28)).all().item<bool>());
}

TEST(Rp2, TotalVariationAndPrintabilityMeasureWhatTheySay) {
  auto flat = torch::full({1, 1, 6, 6}, 0.3);
  EXPECT_NEAR(rp2_total_variation(flat).item<double>(), 0, 1e-6);
  auto stripes = flat.clone();
  stripes.narrow(3, 0, 6).select(3, 2).fill_(0.8);  // one vertical line: jumps of 0.5 twice per row
  EXPECT_NEAR(rp2_total_variation(stripes).item<double>(), 2 * 0.5 * 5 / 25.0, 1e-4);

  auto palette = rp2_printable_palette(3);
  EXPECT_EQ(palette.sizes(), (std::vector<int64_t>{27, 3}));
  auto mask = torch::ones({1, 2, 2});
  auto printable = palette[13].view({1, 3, 1, 1}).expand({1, 3, 2, 2});  // (0.5, 0.5, 0.5)
  EXPECT_NEAR(rp2_non_printability(printable, mask, palette).item<double>(), 0, 1e-6);
  auto neon = torch::tensor({1.0f, 0.0f, 1.0f}).view({1, 3, 1, 1}).expand({1, 3, 2, 2});
  EXPECT_GT(rp2_non_printability(neon, mask, palette).item<double>(), 1e-6);
  EXPECT_EQ(rp2_printable_palette(1).size(1), 1);
}

TEST(Rp2, BarsGoWhereTheSaliencyIsWithoutOverlapping) {
  // 28x28: bars of round(0.12 * 28) = 3 rows by 14 columns.
  auto saliency = torch::zeros({2, 28, 28});
  saliency[0].narrow(0, 5, 3).narrow(1, 3, 14).fill_(1);
  saliency[0].narrow(0, 20, 3).narrow(1, 10, 14).fill_(0.5);
  saliency[1].narrow(0, 12, 3).narrow(1, 7, 14).fill_(1);  // one hot place: the second bar goes elsewhere
  auto bars = rp2_place_bars(saliency);
  ASSERT_EQ(bars.sizes(), (std::vector<int64_t>{2, 1, 28, 28}));
  EXPECT_TRUE(torch::equal(bars[0][0], (saliency[0] > 0).to(torch::kFloat32)));
  EXPECT_TRUE(torch::equal(bars[1][0] * saliency[1], saliency[1]));
  EXPECT_EQ(bars[1].sum().item<double>(), 2 * 3 * 14);  // two whole bars, no overlap
}

TEST(Rp2, PlacedStickersChangeTwoBarsPerImageAndNothingElse) {
  if (!testing::fashion_mnist_available()) GTEST_SKIP() << "Fashion-MNIST not installed";
  const auto& trained = testing::fashion_cnn();
  auto x = trained.test.images.narrow(0, 0, 8);
  TargetedMisclassification criterion((trained.test.labels.narrow(0, 0, 8) + 3).remainder(10));
  auto attack = make_attack("rp2", {{"steps", "10"}, {"samples", "2"}, {"placement_steps", "3"}, {"fill", "0"}});
  auto result = attack->run(*trained.model, x, criterion, 4);
  EXPECT_FALSE(attack->mask().defined());  // one mask per image
  // Each image's changed pixels fit in two 3x14 bars, and the bars differ between images
  // (their saliency does), which a fixed mask could not give.
  auto changed = (result.adversarials != x).any(1);  // [N, H, W]
  auto per_image = changed.flatten(1).sum(1);
  EXPECT_LE(per_image.max().item<int64_t>(), 2 * 3 * 14);
  EXPECT_GT(per_image.min().item<int64_t>(), 0);
  int64_t rows_differ = 0;
  for (int64_t i = 1; i < x.size(0); ++i) rows_differ += !torch::equal(changed[i].any(1), changed[0].any(1));
  EXPECT_GT(rows_differ, 0);
  EXPECT_GE(result.adversarials.min().item<double>(), 0.0);
  EXPECT_LE(result.adversarials.max().item<double>(), 1.0);
}

TEST(Rp2, BadOptionsAreRefused) {
  EXPECT_THROW(make_attack("rp2", {{"placement_steps", "0"}}), Error);
  EXPECT_THROW(make_attack("rp2", {{"steps", "0"}}), Error);
  EXPECT_THROW(make_attack("rp2", {{"samples", "0"}}), Error);
  EXPECT_THROW(make_attack("rp2", {{"lr", "-1"}}), Error);
  EXPECT_THROW(make_attack("rp2", {{"norm", "l1"}}), Error);
  EXPECT_THROW(make_attack("rp2", {{"mask", "triangle"}}), Error);
  EXPECT_THROW(make_attack("rp2", {{"mask", "/no/such.png"}}), Error);
  EXPECT_THROW(make_attack("rp2", {{"tv_weight", "-0.1"}}), Error);
  EXPECT_THROW(make_attack("rp2", {{"min_scale", "2"}}), Error);
  EXPECT_THROW(make_attack("rp2", {{"eps", "-1"}}), Error);
}

}  // namespace
}  // namespace advlab
