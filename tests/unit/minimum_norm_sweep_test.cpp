// The target sweep every minimum-norm attack offers (`target_classes`): the untargeted
// run plus targeted runs towards the likeliest other classes, closest kept. Never farther
// than the untargeted run alone (which is the sweep's first run), success still any
// misclassification, and k + 1 times the gradients (more, for DeepFool and SparseFool,
// whose runs stop at success).
#include "advlab/attacks/registry.h"
#include "advlab/criteria/criterion.h"
#include "support/trained_models.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <iostream>
#include <map>
#include <string>

namespace advlab {
namespace {

struct SweepCase {
  std::string attack;
  std::map<std::string, std::string> options;  // short runs: the test checks the sweep, not the attack
  bool fixed_steps = true;  // every run spends its steps; DeepFool stops a sample at its first success
};

class MinimumNormSweep : public ::testing::TestWithParam<SweepCase> {};

TEST_P(MinimumNormSweep, IsNeverFartherThanTheUntargetedRunAndCostsOneRunPerTarget) {
  if (!testing::fashion_mnist_available()) GTEST_SKIP() << "Fashion-MNIST not installed";
  const auto& trained = testing::fashion_cnn();
  const auto& c = GetParam();
  const auto images = testing::first_test_images(trained, 24);
  const auto &x = images.x, &labels = images.labels, &correct = images.correct;
  auto run = [&](const char* targets) {
    auto options = c.options;
    options["target_classes"] = targets;
    return make_attack(c.attack, options)->run(*trained.model, x, Misclassification(labels), 0);
  };
  auto alone = run("0"), swept = run("2");
  auto d0 = alone.minimum_distance.index_select(0, correct);
  auto d2 = swept.minimum_distance.index_select(0, correct);
  std::cout << c.attack << ": median " << d0.median().item<double>() << " -> " << d2.median().item<double>() << "\n";
  EXPECT_TRUE((d2 <= d0 * (1 + 1e-6)).all().item<bool>()) << torch::stack({d0, d2}, 1);
  EXPECT_GE(swept.success.sum().item<int64_t>(), alone.success.sum().item<int64_t>());
  EXPECT_TRUE((swept.predictions.masked_select(swept.success) != labels.masked_select(swept.success)).all().item<bool>());
  if (c.fixed_steps) {
    EXPECT_EQ(swept.gradients.sum().item<int64_t>(), 3 * alone.gradients.sum().item<int64_t>());
  } else {  // the first run is the untargeted one, then two more
    EXPECT_GT(swept.gradients.sum().item<int64_t>(), alone.gradients.sum().item<int64_t>());
  }
}

INSTANTIATE_TEST_SUITE_P(
    Attacks, MinimumNormSweep,
    ::testing::Values(SweepCase{"ead", {{"steps", "20"}, {"search_steps", "2"}}},
                      SweepCase{"cw", {{"steps", "20"}, {"search_steps", "2"}}},
                      SweepCase{"pdpgd", {{"steps", "40"}, {"norm", "l1"}}},
                      SweepCase{"alma", {{"steps", "40"}, {"norm", "l1"}}},
                      SweepCase{"deepfool", {{"norm", "linf"}}, false},
                      SweepCase{"sparsefool", {{"norm", "l0"}}, false}),
    [](const ::testing::TestParamInfo<SweepCase>& info) { return info.param.attack; });

}  // namespace
}  // namespace advlab
