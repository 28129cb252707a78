// One-pixel attack on the trained CNN: with a few pixels it breaks more samples than as
// many random few-pixel changes, changes at most eps coordinates, stays within its budget,
// and hits its targets.
#include "advlab/attacks/registry.h"
#include "advlab/core/error.h"
#include "advlab/criteria/criterion.h"
#include "support/trained_models.h"

#include <ATen/CPUGeneratorImpl.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

namespace advlab {
namespace {

struct OnePixelSamples {
  torch::Tensor x, labels;
};

OnePixelSamples onepixel_correct_samples(int64_t count) {
  const auto& trained = testing::fashion_cnn();
  auto pred = trained.model->predict(trained.test.images);
  auto ok = (pred == trained.test.labels).nonzero().squeeze(1).narrow(0, 0, count);
  return {trained.test.images.index_select(0, ok), trained.test.labels.index_select(0, ok)};
}

// Success rate of `tries` random changes of `pixels` pixels (uniform positions, uniform
// values; `extreme`: values 0 or 1, as DE's initial population) per sample.
double onepixel_random_success(Classifier& model, const OnePixelSamples& s, int64_t pixels, int64_t tries,
                               bool extreme) {
  auto gen = at::detail::createCPUGenerator(11);
  int64_t broken = 0;
  torch::NoGradGuard no_grad;
  for (int64_t i = 0; i < s.x.size(0); ++i) {
    auto imgs = s.x[i].unsqueeze(0).repeat({tries, 1, 1, 1}).view({tries, -1});
    auto pos = at::randint(0, imgs.size(1), {tries, pixels}, gen, torch::kLong);
    auto val = extreme ? at::randint(0, 2, {tries, pixels}, gen, torch::kLong).to(torch::kFloat32)
                       : at::rand({tries, pixels}, gen, torch::kFloat32);
    imgs.scatter_(1, pos, val);
    auto pred = model.logits(imgs.view({tries, 1, 28, 28})).argmax(1);
    broken += (pred != s.labels[i]).any().item<bool>();
  }
  return static_cast<double>(broken) / static_cast<double>(s.x.size(0));
}

TEST(OnePixel, FewPixelsBeatRandomChangesOfTheSameSizeAndBudget) {
  if (!testing::fashion_mnist_available()) GTEST_SKIP() << "Fashion-MNIST not installed";
  auto& model = *testing::fashion_cnn().model;
  auto s = onepixel_correct_samples(40);
  const int64_t pixels = 3, budget = 400;
  auto attack = make_attack("onepixel", {{"eps", std::to_string(pixels)}, {"queries", std::to_string(budget)},
                                         {"population", "40"}});
  auto result = attack->run(model, s.x, Misclassification(s.labels), 1);
  double de = result.success.to(torch::kFloat32).mean().item<double>();
  double random = onepixel_random_success(model, s, pixels, budget, false);
  double extreme = onepixel_random_success(model, s, pixels, budget, true);
  std::cout << "onepixel " << pixels << " pixels, " << budget << " queries: DE " << de << ", random " << random
            << ", random extreme values " << extreme << "\n";
  // DE / random / random extreme values for test-model seeds 1/2/3: 0.30/0.125/0.275,
  // 0.35/0.15/0.275, 0.05/0/0.025 (seed 3's model resists three pixels; on it 5 and 8
  // pixels gave 0.10/0.05/0.05 and 0.125/0.025/0.15). Margins: one of the 40 samples.
  EXPECT_GE(de, random + 1.0 / 40);
  EXPECT_GE(de, 1.5 * random);
  // The evolution keeps up with its initial distribution (1e-6: de is a float mean, and
  // 9 of 40 against 10 of 40 landed a rounding below the margin on a Zen 3 machine).
  EXPECT_GE(de, extreme - 1.0 / 40 - 1e-6);
  EXPECT_TRUE((result.distances.l0 <= pixels).all().item<bool>());
  EXPECT_LE(result.queries.max().item<int64_t>(), budget);
  EXPECT_TRUE((result.gradients == 0).all().item<bool>());
  // Unbroken samples come back unchanged.
  EXPECT_TRUE((result.success | (result.distances.l0 == 0)).all().item<bool>());
}

TEST(OnePixel, TargetedRunsHitTheirTargets) {
  if (!testing::fashion_mnist_available()) GTEST_SKIP() << "Fashion-MNIST not installed";
  auto& model = *testing::fashion_cnn().model;
  auto s = onepixel_correct_samples(12);
  // The runner-up class: arbitrary targets (label + 1 + i % 9) were hit 2/1/0 of 12 times
  // for test-model seeds 1/2/3, leaving the checks below nothing on seed 3; runner-up
  // targets are hit 4/3/3 times (the check needs one: a margin of two).
  torch::Tensor targets;
  {
    torch::NoGradGuard no_grad;
    targets = std::get<1>(model.logits(s.x).topk(2, 1)).select(1, 1).contiguous();
  }
  auto result = make_attack("onepixel", {{"eps", "10"}, {"queries", "400"}, {"population", "40"}})
                    ->run(model, s.x, TargetedMisclassification(targets), 2);
  EXPECT_GT(result.success.sum().item<int64_t>(), 0);
  EXPECT_TRUE(torch::equal(result.predictions == targets, result.success));
  EXPECT_TRUE((result.distances.l0 <= 10).all().item<bool>());
}

TEST(OnePixel, RejectsBadOptions) {
  EXPECT_THROW(make_attack("onepixel", {{"queries", "500"}}), Error);  // eps required
  EXPECT_THROW(make_attack("onepixel", {{"eps", "1"}, {"output", "label"}}), Error);
  EXPECT_THROW(make_attack("onepixel", {{"eps", "1"}, {"population", "2"}}), Error);
  EXPECT_THROW(make_attack("onepixel", {{"eps", "1"}, {"queries", "50"}}), Error);  // < population
  EXPECT_THROW(make_attack("onepixel", {{"eps", "1"}, {"norm", "l2"}}), Error);
  if (!testing::fashion_mnist_available()) return;
  auto s = onepixel_correct_samples(2);
  auto attack = make_attack("onepixel", {{"eps", "0.5"}});  // less than one pixel
  EXPECT_THROW(attack->run(*testing::fashion_cnn().model, s.x, Misclassification(s.labels)), Error);
}

}  // namespace
}  // namespace advlab
