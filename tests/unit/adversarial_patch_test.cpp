// Adversarial patch: a patch trained on 200 images of the CNN turns held-out images into
// the target class over fresh random placements far more often than a random patch of
// the same size; pasting puts the patch where the placement says; the attack changes
// only its patch region.
#include "advlab/attacks/mask/adversarial_patch.h"
#include "advlab/attacks/registry.h"
#include "advlab/core/error.h"
#include "advlab/criteria/criterion.h"
#include "advlab/threat/mask.h"
#include "support/trained_models.h"

#include <ATen/CPUGeneratorImpl.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

namespace advlab {
namespace {

TEST(AdversarialPatch, TrainedPatchBeatsARandomPatchOnHeldOutImagesAndFreshPlacements) {
  if (!testing::fashion_mnist_available()) GTEST_SKIP() << "Fashion-MNIST not installed";
  const auto& trained = testing::fashion_cnn();
  auto& model = *trained.model;
  const int64_t target = 8;  // bag
  auto train = trained.test.images.narrow(0, 0, 200);
  auto held_out = trained.test.images.narrow(0, 200, 300);
  auto others = (trained.test.labels.narrow(0, 200, 300) != target).nonzero().squeeze(1);
  held_out = held_out.index_select(0, others);
  TargetedMisclassification criterion(torch::full({held_out.size(0)}, target, torch::kLong));

  // 14x14 of 28x28: this CNN shrugs off smaller patches (8x8 moved it by only ~5%).
  auto options = PatchOptions().size(0.5);
  auto patch = train_patch(model, train, target, options, 3);
  // (Same seed, same patch: covered by the attack's conformance case.)
  ASSERT_EQ(patch.sizes(), (std::vector<int64_t>{1, 14, 14}));
  EXPECT_GE(patch.min().item<double>(), 0);
  EXPECT_LE(patch.max().item<double>(), 1);
  auto gen = at::detail::createCPUGenerator(4);
  auto random_patch = at::rand(patch.sizes(), gen);

  // Fresh placements (another seed than training's) on images the patch never saw.
  double trained_rate = patch_success_over_placements(model, held_out, patch, criterion, 10, 77).mean().item<double>();
  double random_rate = patch_success_over_placements(model, held_out, random_patch, criterion, 10, 77).mean().item<double>();
  std::cout << "patch targeted success over fresh placements: " << trained_rate << " (random patch: " << random_rate
            << ")\n";
  EXPECT_GT(trained_rate, random_rate + 0.2);
  EXPECT_GT(trained_rate, 2 * random_rate);
}

TEST(AdversarialPatch, PasteAtAFixedPlacementCopiesThePatchThere) {
  auto images = torch::zeros({2, 3, 10, 12});
  auto patch = torch::rand({3, 4, 4});
  auto out = paste_patch(images, patch, fixed_patch_placement(2, 3, 5, 4));
  auto region = out.narrow(2, 3, 4).narrow(3, 5, 4);
  EXPECT_TRUE(torch::allclose(region, patch.unsqueeze(0).expand_as(region), 0, 1e-5));
  EXPECT_NEAR(out.sum().item<double>(), 2 * patch.sum().item<double>(), 1e-3);  // nothing else changed
  // A circle leaves the corners of its square alone.
  auto disc = paste_patch(images, torch::ones({3, 4, 4}), fixed_patch_placement(2, 3, 5, 4), "circle");
  EXPECT_NEAR(disc[0][0][3][5].item<double>(), 0, 1e-6);
  EXPECT_NEAR(disc[0][0][4][6].item<double>(), 1, 1e-5);
}

TEST(AdversarialPatch, RandomPlacementsStayInsideAndGradientsReachThePatch) {
  auto gen = at::detail::createCPUGenerator(1);
  auto where = random_patch_placements(200, 28, 28, 8, PatchPlacementOptions(), gen);
  auto half = where.scale * 4;
  EXPECT_TRUE(((where.center_x - half) >= -1e-9).all().item<bool>());
  EXPECT_TRUE(((where.center_y + half) <= 28 + 1e-9).all().item<bool>());
  EXPECT_GT(where.angle.abs().max().item<double>(), 10);
  auto patch = torch::full({1, 8, 8}, 0.5).requires_grad_(true);
  auto out = paste_patch(torch::zeros({200, 1, 28, 28}), patch, where);
  out.sum().backward();
  EXPECT_GT(patch.grad().abs().sum().item<double>(), 0);
  // Each image shows about one patch worth of area (scale^2 * 64 pixels).
  auto area = out.detach().flatten(1).sum(1) / 0.5;
  EXPECT_TRUE(torch::allclose(area, (where.scale.square() * 64).to(torch::kFloat32), 0.15, 2));
}

TEST(AdversarialPatch, AttackChangesOnlyThePatchRegionAndRespectsAnL0Cap) {
  if (!testing::fashion_mnist_available()) GTEST_SKIP() << "Fashion-MNIST not installed";
  const auto& trained = testing::fashion_cnn();
  auto x = trained.test.images.narrow(0, 0, 16);
  TargetedMisclassification criterion(torch::full({16}, 8, torch::kLong));
  auto attack = make_attack("patch", {{"steps", "100"}, {"location", "0.25,0.25"}});
  auto result = attack->run(*trained.model, x, criterion, 2);
  auto mask = attack->mask();
  EXPECT_TRUE(torch::equal(mask, make_mask("rect:0.107,0.107,0.286,0.286", 28, 28)));  // 8x8 at (3, 3)
  EXPECT_TRUE(unchanged_outside(x, result.adversarials, mask).all().item<bool>());
  // Test-model seeds 1/2/3: 5, 4, 3 of the 16; margin: one image below the lowest.
  EXPECT_GE(result.success.sum().item<int64_t>(), 2);

  auto capped = make_attack("patch", {{"steps", "20"}, {"eps", "20"}});
  auto small = capped->run(*trained.model, x, criterion, 2);
  EXPECT_EQ(capped->mask().sum().item<double>(), 16);  // 4x4 <= 20 pixels
  EXPECT_LE(((small.adversarials - x) != 0).flatten(1).sum(1).max().item<int64_t>(), 16);
}

TEST(AdversarialPatch, BadOptionsAreRefused) {
  EXPECT_THROW(make_attack("patch", {{"size", "0"}}), Error);
  EXPECT_THROW(make_attack("patch", {{"size", "1.5"}}), Error);
  EXPECT_THROW(make_attack("patch", {{"shape", "star"}}), Error);
  EXPECT_THROW(make_attack("patch", {{"location", "0.5"}}), Error);
  EXPECT_THROW(make_attack("patch", {{"location", "2,0.5"}}), Error);
  EXPECT_THROW(make_attack("patch", {{"norm", "linf"}}), Error);
  EXPECT_THROW(make_attack("patch", {{"steps", "0"}}), Error);
  EXPECT_THROW(make_attack("patch", {{"min_scale", "2"}}), Error);
  EXPECT_THROW(make_attack("patch", {{"loss", "hinge"}}), Error);
}

}  // namespace
}  // namespace advlab
