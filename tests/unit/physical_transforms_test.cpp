// Physical transforms: the identity options give back the input, each option does what it
// says (brightness multiplies, blur spreads light, zooming out shows the fill value), the
// same seed gives the same views, gradients reach the input; and success over fresh
// transforms counts the views on which the criterion holds.
#include "advlab/attacks/mask/physical_transforms.h"
#include "advlab/core/error.h"
#include "advlab/criteria/criterion.h"
#include "advlab/eval/transform_robustness.h"
#include "support/linear_model.h"

#include <ATen/CPUGeneratorImpl.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

namespace advlab {
namespace {

PhysicalTransformOptions identity_transform() {
  return PhysicalTransformOptions()
      .max_rotation(0)
      .min_scale(1)
      .max_scale(1)
      .max_translation(0)
      .max_perspective(0)
      .min_brightness(1)
      .max_brightness(1)
      .max_blur(0);
}

torch::Tensor some_images() {
  torch::manual_seed(0);
  return torch::rand({6, 3, 20, 24});
}

TEST(PhysicalTransforms, IdentityOptionsGiveBackTheInput) {
  auto x = some_images();
  auto gen = at::detail::createCPUGenerator(1);
  auto y = random_physical_transform(x, identity_transform(), gen);
  EXPECT_TRUE(torch::allclose(y, x, 0, 1e-5)) << (y - x).abs().max().item<double>();
}

TEST(PhysicalTransforms, SameSeedSameViewsOtherSeedOtherViews) {
  auto x = some_images();
  auto g1 = at::detail::createCPUGenerator(4), g2 = at::detail::createCPUGenerator(4);
  auto g3 = at::detail::createCPUGenerator(5);
  PhysicalTransformOptions options;
  auto a = random_physical_transform(x, options, g1);
  EXPECT_TRUE(torch::equal(a, random_physical_transform(x, options, g2)));
  EXPECT_FALSE(torch::allclose(a, random_physical_transform(x, options, g3)));
  // Consecutive calls draw fresh views, one per sample: no two samples of a batch of
  // equal images share a view.
  auto same = x.narrow(0, 0, 1).repeat({4, 1, 1, 1});
  auto views = random_physical_transform(same, options, g1);
  EXPECT_FALSE(torch::allclose(views[0], views[1]));
  EXPECT_FALSE(torch::equal(random_physical_transform(x, options, g1), a));
  EXPECT_GE(a.min().item<double>(), 0);
  EXPECT_LE(a.max().item<double>(), 1);
}

TEST(PhysicalTransforms, GradientsReachTheInput) {
  auto x = (some_images() * 0.5 + 0.25).requires_grad_(true);
  auto gen = at::detail::createCPUGenerator(2);
  auto y = random_physical_transform(x, PhysicalTransformOptions().max_blur(1.5), gen);
  (y * torch::randn_like(y)).sum().backward();
  ASSERT_TRUE(x.grad().defined());
  EXPECT_TRUE(torch::isfinite(x.grad()).all().item<bool>());
  for (int64_t i = 0; i < x.size(0); ++i) EXPECT_GT(x.grad()[i].abs().sum().item<double>(), 0);
}

TEST(PhysicalTransforms, BrightnessMultiplies) {
  auto x = some_images();
  auto gen = at::detail::createCPUGenerator(3);
  auto y = random_physical_transform(x, identity_transform().min_brightness(0.5).max_brightness(0.5), gen);
  EXPECT_TRUE(torch::allclose(y, 0.5 * x, 0, 1e-5));
  // Brighter views saturate at 1.
  auto z = random_physical_transform(x, identity_transform().min_brightness(3).max_brightness(3), gen);
  EXPECT_TRUE(torch::allclose(z, (3 * x).clamp_max(1), 0, 1e-5));
}

// Images in [-1, 1] keep their range: brightness scales above the lower bound, the
// uncovered border gets `fill` of the range, and nothing is clamped to [0, 1].
TEST(PhysicalTransforms, OtherBoundsKeepTheirRange) {
  auto x = some_images() * 2 - 1;
  const Bounds symmetric{-1.0, 1.0};
  auto gen = at::detail::createCPUGenerator(3);
  auto same = random_physical_transform(x, identity_transform(), gen, symmetric);
  EXPECT_TRUE(torch::allclose(same, x, 0, 1e-5));
  auto dim = random_physical_transform(x, identity_transform().min_brightness(0.5).max_brightness(0.5), gen, symmetric);
  EXPECT_TRUE(torch::allclose(dim, -1 + 0.5 * (x + 1), 0, 1e-5));
  auto small = random_physical_transform(x, identity_transform().min_scale(0.5).max_scale(0.5).fill(0.25), gen,
                                         symmetric);
  EXPECT_NEAR(small[0][0][0][0].item<double>(), -0.5, 1e-5);  // the corner is uncovered
  EXPECT_GE(small.min().item<double>(), -1.0);
}

TEST(PhysicalTransforms, BlurSpreadsAPointAndKeepsItsMass) {
  auto x = torch::zeros({8, 1, 15, 15});
  x.select(2, 7).select(2, 7).fill_(1);
  auto gen = at::detail::createCPUGenerator(6);
  auto y = random_physical_transform(x, identity_transform().max_blur(2), gen);
  for (int64_t i = 0; i < 8; ++i) {
    EXPECT_NEAR(y[i].sum().item<double>(), 1.0, 1e-4);  // far from the edges: no loss
    EXPECT_LE(y[i][0][7][7].item<double>(), 1.0);
    EXPECT_NEAR(y[i][0][7][6].item<double>(), y[i][0][6][7].item<double>(), 1e-6);  // isotropic
  }
  // Sigmas are drawn in [0, 2]: most views are visibly blurred.
  auto peak = y.select(1, 0).select(1, 7).select(1, 7);
  EXPECT_GE((peak < 0.5).sum().item<int64_t>(), 4);
}

TEST(PhysicalTransforms, ZoomingOutShowsTheFillValue) {
  auto x = torch::ones({2, 1, 16, 16});
  auto gen = at::detail::createCPUGenerator(7);
  auto y = random_physical_transform(x, identity_transform().min_scale(0.5).max_scale(0.5).fill(0.25), gen);
  EXPECT_NEAR(y[0][0][0][0].item<double>(), 0.25, 1e-5);    // corner: outside the shrunk image
  EXPECT_NEAR(y[1][0][8][8].item<double>(), 1.0, 1e-5);     // centre: still the image
  EXPECT_NEAR(y.mean().item<double>(), 0.25 + 0.75 * 0.25, 0.03);  // a quarter of the area
}

TEST(PhysicalTransforms, RotationAndPerspectiveMoveThePixels) {
  auto x = torch::zeros({4, 1, 16, 16});
  x.narrow(3, 0, 8).fill_(1);  // left half white
  auto gen = at::detail::createCPUGenerator(8);
  auto y = random_physical_transform(
      x, identity_transform().max_rotation(30).max_perspective(0.1).max_translation(0.1), gen);
  for (int64_t i = 0; i < 4; ++i) EXPECT_GT((y[i] - x[i]).abs().max().item<double>(), 0.2);
}

TEST(PhysicalTransforms, BadOptionsAreRefused) {
  auto x = some_images();
  auto gen = at::detail::createCPUGenerator(1);
  EXPECT_THROW(random_physical_transform(x, PhysicalTransformOptions().min_scale(1.2).max_scale(1.1), gen), Error);
  EXPECT_THROW(random_physical_transform(x, PhysicalTransformOptions().max_rotation(-1), gen), Error);
  EXPECT_THROW(random_physical_transform(x, PhysicalTransformOptions().min_brightness(-0.5), gen), Error);
  EXPECT_THROW(random_physical_transform(x, PhysicalTransformOptions().max_blur(-1), gen), Error);
  EXPECT_THROW(random_physical_transform(x, PhysicalTransformOptions().fill(2), gen), Error);
  EXPECT_THROW(random_physical_transform(x.flatten(1), PhysicalTransformOptions(), gen), Error);
}

TEST(TransformRobustness, AModelThatAlwaysSaysKIsFooledOnEveryViewTowardsK) {
  // z = 0 . x + b: class 2 whatever the view.
  auto bias = torch::zeros({4});
  bias[2] = 5;
  auto model = testing::make_linear_classifier(torch::zeros({4, 3 * 20 * 24}), bias);
  auto x = some_images();
  eval::TransformSuccessOptions options;
  options.views = 10;
  options.batch_size = 7;  // views of one image straddle batches
  auto towards_k = eval::success_under_transforms(*model, x, TargetedMisclassification(torch::full({6}, 2, torch::kLong)), options);
  EXPECT_TRUE(torch::equal(towards_k, torch::ones({6})));
  auto towards_other = eval::success_under_transforms(*model, x, TargetedMisclassification(torch::full({6}, 1, torch::kLong)), options);
  EXPECT_TRUE(torch::equal(towards_other, torch::zeros({6})));
  auto labels = torch::tensor({2, 2, 0, 1, 3, 2}, torch::kLong);
  auto untargeted = eval::success_under_transforms(*model, x, Misclassification(labels), options);
  EXPECT_TRUE(torch::equal(untargeted, (labels != 2).to(torch::kFloat32)));
}

TEST(TransformRobustness, CountsTheFractionOfViewsAndDependsOnlyOnTheSeed) {
  // Class 1 when the mean brightness exceeds 0.5: a view darkens or brightens a mid-gray
  // image at random, so about half the views cross.
  const int64_t d = 1 * 8 * 8;
  auto weight = torch::zeros({2, d});
  weight[1].fill_(1.0 / d);
  auto bias = torch::tensor({0.5f, 0.0f});
  auto model = testing::make_linear_classifier(weight, bias);
  auto x = torch::full({3, 1, 8, 8}, 0.5);
  eval::TransformSuccessOptions options;
  options.views = 400;
  options.transforms = identity_transform().min_brightness(0.5).max_brightness(1.5);
  Misclassification criterion(torch::zeros({3}, torch::kLong));
  auto rate = eval::success_under_transforms(*model, x, criterion, options);
  for (int64_t i = 0; i < 3; ++i) EXPECT_NEAR(rate[i].item<double>(), 0.5, 0.1);
  EXPECT_TRUE(torch::equal(rate, eval::success_under_transforms(*model, x, criterion, options)));
  options.views = 0;
  EXPECT_THROW(eval::success_under_transforms(*model, x, criterion, options), Error);
}

}  // namespace
}  // namespace advlab
