// HopSkipJump on the trained CNN: its L2 distances after 1000 label queries are close to
// a white-box estimate of the minimal distance, the L-inf version breaks every sample,
// targeted runs hit their targets, and the per-sample budget holds.
#include "advlab/attacks/registry.h"
#include "advlab/core/error.h"
#include "advlab/criteria/criterion.h"
#include "support/trained_models.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

namespace advlab {
namespace {

struct HsjaSamples {
  torch::Tensor x, labels;
};

// The first `count` test images the model classifies correctly.
HsjaSamples hsja_correct_samples(int64_t count) {
  const auto& trained = testing::fashion_cnn();
  auto pred = trained.model->predict(trained.test.images);
  auto ok = (pred == trained.test.labels).nonzero().squeeze(1).narrow(0, 0, count);
  return {trained.test.images.index_select(0, ok), trained.test.labels.index_select(0, ok)};
}

// White-box estimate of each sample's minimal L2 distance: bisection over eps with PGD.
double hsja_pgd_min_distance(Classifier& model, const torch::Tensor& x, const torch::Tensor& label) {
  auto succeeds = [&](double eps) {
    auto pgd = make_attack("pgd", {{"norm", "l2"}, {"eps", c10::str(eps)}, {"steps", "20"}});
    return pgd->run(model, x, Misclassification(label), 1).success.item<bool>();
  };
  double lo = 0, hi = 2.0;
  while (!succeeds(hi) && hi < 30) hi *= 2;
  for (int i = 0; i < 8; ++i) {
    double mid = (lo + hi) / 2;
    (succeeds(mid) ? hi : lo) = mid;
  }
  return hi;
}

TEST(Hsja, MedianL2AfterAThousandQueriesIsWithinTwiceTheWhiteBoxMinimum) {
  if (!testing::fashion_mnist_available()) GTEST_SKIP() << "Fashion-MNIST not installed";
  auto& model = *testing::fashion_cnn().model;
  auto s = hsja_correct_samples(32);
  auto attack = make_attack("hsja", {{"norm", "l2"}, {"queries", "1000"}});
  auto result = attack->run(model, s.x, Misclassification(s.labels), 3);
  EXPECT_TRUE(result.success.all().item<bool>());
  EXPECT_LE(result.queries.max().item<int64_t>(), 1000);
  EXPECT_TRUE((result.gradients == 0).all().item<bool>());

  std::vector<double> white_box;
  for (int64_t i = 0; i < s.x.size(0); ++i)
    white_box.push_back(hsja_pgd_min_distance(model, s.x.narrow(0, i, 1), s.labels.narrow(0, i, 1)));
  double hsja_median = result.minimum_distance.median().item<double>();
  double wb_median = torch::tensor(white_box).median().item<double>();
  std::cout << "hsja median L2 " << hsja_median << ", white-box (PGD bisection) " << wb_median << "\n";
  EXPECT_LE(hsja_median, 2 * wb_median);
  // The reported distance is that of the returned (verified) adversarial.
  EXPECT_TRUE(torch::allclose(result.minimum_distance, result.distances.l2, 1e-4, 1e-5));
}

TEST(Hsja, LinfBreaksEverySampleAndMoreQueriesGiveSmallerDistances) {
  if (!testing::fashion_mnist_available()) GTEST_SKIP() << "Fashion-MNIST not installed";
  auto& model = *testing::fashion_cnn().model;
  auto s = hsja_correct_samples(16);
  Misclassification criterion(s.labels);
  auto few = make_attack("hsja", {{"norm", "linf"}, {"queries", "200"}})->run(model, s.x, criterion, 3);
  auto many = make_attack("hsja", {{"norm", "linf"}, {"queries", "1500"}})->run(model, s.x, criterion, 3);
  EXPECT_TRUE(many.success.all().item<bool>());
  EXPECT_LE(many.queries.max().item<int64_t>(), 1500);
  EXPECT_LT(many.minimum_distance.median().item<double>(), 0.8 * few.minimum_distance.median().item<double>());
  EXPECT_TRUE(torch::allclose(many.minimum_distance, many.distances.linf, 1e-4, 1e-5));
}

TEST(Hsja, TargetedRunsHitTheirTargets) {
  if (!testing::fashion_mnist_available()) GTEST_SKIP() << "Fashion-MNIST not installed";
  auto& model = *testing::fashion_cnn().model;
  auto s = hsja_correct_samples(30);
  auto targets = (s.labels + 1 + torch::arange(30) % 9) % 10;
  auto result = make_attack("hsja", {{"queries", "600"}})->run(model, s.x, TargetedMisclassification(targets), 4);
  EXPECT_GE(result.success.to(torch::kFloat32).mean().item<double>(), 0.9);
  auto hit = result.predictions == targets;
  EXPECT_TRUE(torch::equal(hit, result.success));
  EXPECT_LE(result.queries.max().item<int64_t>(), 600);
}

TEST(Hsja, StopsAtEpsWhenGivenAndRejectsBadOptions) {
  if (!testing::fashion_mnist_available()) GTEST_SKIP() << "Fashion-MNIST not installed";
  auto& model = *testing::fashion_cnn().model;
  auto s = hsja_correct_samples(16);
  Misclassification criterion(s.labels);
  auto unbounded = make_attack("hsja", {{"queries", "1000"}})->run(model, s.x, criterion, 3);
  auto bounded = make_attack("hsja", {{"queries", "1000"}, {"eps", "3.0"}})->run(model, s.x, criterion, 3);
  // A sample within eps needs no more queries.
  EXPECT_LT(bounded.queries.sum().item<int64_t>(), unbounded.queries.sum().item<int64_t>());
  EXPECT_TRUE(torch::equal(bounded.success, bounded.minimum_distance <= 3.0 * (1 + 1e-4)));
  EXPECT_TRUE((bounded.distances.l2 <= 3.0 * (1 + 1e-5) + 1e-5).all().item<bool>());

  EXPECT_THROW(make_attack("hsja", {{"norm", "l1"}}), Error);
  EXPECT_THROW(make_attack("hsja", {{"init_evals", "0"}}), Error);
  EXPECT_THROW(make_attack("hsja", {{"gamma", "-1"}}), Error);
  EXPECT_THROW(make_attack("hsja", {{"output", "soft"}}), Error);
  EXPECT_THROW(make_attack("hsja", {{"starts", "/no/such/file.pt"}}), Error);
}

}  // namespace
}  // namespace advlab
