// Strength of the cheap L2 minimum-norm attacks on the trained CNN (issue 14): per
// sample, the distance each finds over the closest of FMN's and DDN's (at their default
// 200 steps), averaged over the correctly classified samples, as AttackBench's optimality
// averages distances. Measured on test-model seeds 1/2/3: deepfool 1.084/1.074/1.071
// (without its projection rounds and bisection 1.194/1.222/1.173; with its sweep of 3
// target classes, the default since session 11, 1.064 on seed 0), cw 1.080/1.078/1.048
// (with the old defaults: 50 steps x 3 runs from x, abort_early, no decay, no bisection
// 1.362/1.390/1.250). The bounds leave a margin over the spread and fail the old ones.
#include "advlab/attacks/registry.h"
#include "advlab/criteria/criterion.h"
#include "support/trained_models.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <iostream>

namespace advlab {
namespace {

struct Reference {
  torch::Tensor x, labels, correct, best;  // best [correct]: min(FMN, DDN) distance
};

const Reference& reference() {
  static const Reference ref = [] {
    const auto& trained = testing::fashion_cnn();
    Reference r;
    r.x = trained.test.images.narrow(0, 0, 100);
    r.labels = trained.test.labels.narrow(0, 0, 100);
    r.correct = (trained.model->predict(r.x) == r.labels).nonzero().squeeze(1);
    Misclassification criterion(r.labels);
    auto fmn = make_attack("fmn", {{"norm", "l2"}, {"target_classes", "0"}})->run(*trained.model, r.x, criterion, 0);
    auto ddn = make_attack("ddn", {{"target_classes", "0"}})->run(*trained.model, r.x, criterion, 0);
    r.best = torch::minimum(fmn.minimum_distance, ddn.minimum_distance).index_select(0, r.correct);
    return r;
  }();
  return ref;
}

// Mean over the correct samples of distance / reference (inf where the attack failed).
double mean_ratio(const std::string& attack, const std::map<std::string, std::string>& options) {
  const auto& ref = reference();
  auto r = make_attack(attack, options)->run(*testing::fashion_cnn().model, ref.x, Misclassification(ref.labels), 0);
  auto ratio = (r.minimum_distance.index_select(0, ref.correct) / ref.best).mean().item<double>();
  std::cout << attack << ": mean distance / min(fmn, ddn) = " << ratio << "\n";
  return ratio;
}

TEST(MinimumNormStrength, DeepFoolL2WithinTwelvePercentOfFmnAndDdn) {
  if (!testing::fashion_mnist_available()) GTEST_SKIP() << "Fashion-MNIST not installed";
  EXPECT_LE(mean_ratio("deepfool", {{"norm", "l2"}}), 1.12);
}

TEST(MinimumNormStrength, CarliniWagnerWithinFifteenPercentOfFmnAndDdn) {
  if (!testing::fashion_mnist_available()) GTEST_SKIP() << "Fashion-MNIST not installed";
  // At its former budget, 3 x 50 steps (the defaults, 9 x 100, take a minute here).
  EXPECT_LE(mean_ratio("cw", {{"steps", "50"}, {"search_steps", "3"}}), 1.15);
}

}  // namespace
}  // namespace advlab
