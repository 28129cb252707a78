// FAB and FAB-T on the trained CNN: without a budget they break (nearly) every sample at
// every norm, FAB-T is at least as successful as FAB, FAB's median L-inf distance is no
// larger than the eps at which PGD breaks half the samples, and restarts never worsen a
// sample's distance (the first run is the same; the best is kept).
#include "advlab/attacks/registry.h"
#include "advlab/criteria/criterion.h"
#include "support/trained_models.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <map>

namespace advlab {
namespace {

constexpr int64_t kSamples = 100;

struct Batch {
  torch::Tensor x, labels;
};

Batch batch(int64_t n = kSamples) {
  const auto& trained = testing::fashion_cnn();
  return {trained.test.images.narrow(0, 0, n), trained.test.labels.narrow(0, 0, n)};
}

// 20 iterations (the default is AutoAttack's 100, measured by bench-attacks; these tests
// check behaviour, at a fifth of the time). L1 steps move few pixels each, so L1 needs
// more of them to cross the boundary everywhere (measured: 92/100 at 20 steps, 98/100 at 50).
std::map<std::string, std::string> unbounded(const std::string& norm) {
  std::map<std::string, std::string> options = {{"norm", norm}, {"n_iter", "20"}};
  if (norm == "l1") options["n_iter"] = "50";
  return options;
}

// Unbounded fab per norm, computed once for the tests that need it.
const AttackResult& fab_result(const std::string& norm) {
  static std::map<std::string, AttackResult> cache;
  auto it = cache.find(norm);
  if (it != cache.end()) return it->second;
  auto b = batch();
  auto r = make_attack("fab", unbounded(norm))->run(*testing::fashion_cnn().model, b.x, Misclassification(b.labels), 0);
  return cache.emplace(norm, std::move(r)).first->second;
}

class FabCnn : public ::testing::TestWithParam<std::string> {};

TEST_P(FabCnn, UnboundedFabBreaksEverySampleAndFabTKeepsUp) {
  if (!testing::fashion_mnist_available()) GTEST_SKIP() << "Fashion-MNIST not installed";
  const std::string norm = GetParam();
  auto b = batch();
  const auto& fab = fab_result(norm);
  int64_t fab_success = fab.success.sum().item<int64_t>();
  // Unbounded, every sample has an adversarial, but FAB's linearised steps miss a few
  // whose boundary is only reachable through the box's corners (FAB with one restart
  // draws nothing, so only the model matters). L1, test-model seeds 1/2/3: 97/94/100 (98
  // and 97 for seed 1 on two other CPUs); L-inf and L2: 100 for all. Margin: 2 below the lowest.
  EXPECT_GE(fab_success, kSamples - 8) << norm;
  EXPECT_TRUE(torch::equal(fab.success, torch::isfinite(fab.minimum_distance)));
  EXPECT_TRUE((fab.minimum_distance.masked_select(fab.success) >= 0).all().item<bool>());

  auto fab_t_with = [&](int targets) {
    auto options = unbounded(norm);
    options["target_classes"] = std::to_string(targets);
    return make_attack("fab-t", options)->run(*testing::fashion_cnn().model, b.x, Misclassification(b.labels), 0);
  };
  auto fab_t = fab_t_with(3);
  EXPECT_GE(fab_t.success.sum().item<int64_t>(), fab_success) << norm;
  // FAB-T spends one gradient per step and target instead of one per class.
  EXPECT_LT(fab_t.gradients.sum().item<int64_t>(), fab.gradients.sum().item<int64_t>());
  // Minimum-norm, every target runs on every sample: the closest over three targets is
  // never farther than the first target's (the same deterministic first run), and closer
  // for some samples (the most likely wrong class is not always the nearest).
  auto first = fab_t_with(1);
  auto d3 = fab_t.minimum_distance, d1 = first.minimum_distance;
  EXPECT_TRUE((d3 <= d1 + 1e-6).all().item<bool>()) << norm;
  EXPECT_GT((d3 < d1 * 0.99).sum().item<int64_t>(), 0) << norm;
}

INSTANTIATE_TEST_SUITE_P(Norms, FabCnn, ::testing::Values("linf", "l2", "l1"));

TEST(FabCnnDistance, MedianLinfIsNoLargerThanWhatPgdBisectionFinds) {
  if (!testing::fashion_mnist_available()) GTEST_SKIP() << "Fashion-MNIST not installed";
  auto b = batch();
  auto& model = *testing::fashion_cnn().model;
  Misclassification criterion(b.labels);
  // The smallest eps at which PGD breaks half of the samples.
  double lo = 0, hi = 0.2;
  for (int it = 0; it < 8; ++it) {
    double mid = 0.5 * (lo + hi);
    auto r = make_attack("pgd", {{"eps", std::to_string(mid)}, {"steps", "20"}})->run(model, b.x, criterion, 0);
    (r.success.sum().item<int64_t>() >= kSamples / 2 ? hi : lo) = mid;
  }
  const auto& fab = fab_result("linf");
  double median = fab.minimum_distance.median().item<double>();
  EXPECT_GT(median, 0.0);
  EXPECT_LE(median, 1.1 * hi) << "PGD breaks half the samples at eps " << hi;
}

TEST(FabCnnDistance, RestartsNeverWorsenADistance) {
  if (!testing::fashion_mnist_available()) GTEST_SKIP() << "Fashion-MNIST not installed";
  auto b = batch(30);
  auto& model = *testing::fashion_cnn().model;
  Misclassification criterion(b.labels);
  auto one = make_attack("fab", {{"norm", "l2"}, {"n_iter", "20"}})->run(model, b.x, criterion, 4);
  auto three = make_attack("fab", {{"norm", "l2"}, {"n_iter", "20"}, {"restarts", "3"}})->run(model, b.x, criterion, 4);
  EXPECT_TRUE((three.minimum_distance <= one.minimum_distance * (1 + 1e-6)).all().item<bool>());
  EXPECT_LT(three.minimum_distance.sum().item<double>(), one.minimum_distance.sum().item<double>());
  EXPECT_TRUE((three.gradients >= one.gradients).all().item<bool>());
}

}  // namespace
}  // namespace advlab
