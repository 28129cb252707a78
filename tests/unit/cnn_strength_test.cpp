// On a CNN trained in the test: PGD at L-inf eps 0.1 breaks nearly everything, and the
// iterative attack is at least as strong as the single step.
#include "advlab/attacks/registry.h"
#include "advlab/criteria/criterion.h"
#include "support/trained_models.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

namespace advlab {
namespace {

TEST(CnnStrength, PgdDropsAccuracyBelowTenPercentAndBeatsFgsm) {
  if (!testing::fashion_mnist_available()) GTEST_SKIP() << "Fashion-MNIST not installed";
  const auto& trained = testing::fashion_cnn();
  auto& model = *trained.model;
  auto x = trained.test.images.narrow(0, 0, 200);
  auto labels = trained.test.labels.narrow(0, 0, 200);
  Misclassification criterion(labels);
  double clean = (model.predict(x) == labels).to(torch::kDouble).mean().item<double>();
  ASSERT_GT(clean, 0.85) << "the test model did not train";

  auto pgd = make_attack("pgd", {{"eps", "0.1"}, {"steps", "40"}, {"step_size", "0.01"}})->run(model, x, criterion, 0);
  auto fgsm = make_attack("fgsm", {{"eps", "0.1"}})->run(model, x, criterion, 0);
  double pgd_accuracy = (pgd.predictions == labels).to(torch::kDouble).mean().item<double>();
  EXPECT_LT(pgd_accuracy, 0.10);
  EXPECT_GE(pgd.success.sum().item<int64_t>(), fgsm.success.sum().item<int64_t>());
}

TEST(CnnStrength, SuccessNeverDropsAsEpsGrows) {
  if (!testing::fashion_mnist_available()) GTEST_SKIP() << "Fashion-MNIST not installed";
  const auto& trained = testing::fashion_cnn();
  auto x = trained.test.images.narrow(0, 0, 100);
  Misclassification criterion(trained.test.labels.narrow(0, 0, 100));
  int64_t previous = -1;
  for (const char* eps : {"0", "0.02", "0.05", "0.1", "0.2"}) {
    auto r = make_attack("pgd", {{"eps", eps}, {"steps", "20"}})->run(*trained.model, x, criterion, 0);
    int64_t successes = r.success.sum().item<int64_t>();
    EXPECT_GE(successes, previous) << "eps " << eps;
    previous = successes;
  }
}

TEST(CnnStrength, TargetedPgdReachesTheTarget) {
  if (!testing::fashion_mnist_available()) GTEST_SKIP() << "Fashion-MNIST not installed";
  const auto& trained = testing::fashion_cnn();
  auto x = trained.test.images.narrow(0, 0, 100);
  auto targets = torch::full({100}, 8, torch::kLong);  // "Bag"
  TargetedMisclassification criterion(targets);
  auto r = make_attack("pgd", {{"eps", "0.2"}, {"steps", "50"}})->run(*trained.model, x, criterion, 0);
  EXPECT_GT(r.success.to(torch::kDouble).mean().item<double>(), 0.9);
  EXPECT_TRUE(torch::equal(r.predictions.masked_select(r.success), targets.masked_select(r.success)));
}

}  // namespace
}  // namespace advlab
