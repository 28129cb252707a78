// Fréchet distance: closed forms for Gaussians, and FID on the trained CNN's features.
#include "advlab/core/torch_compat.h"
#include "advlab/gan/frechet_distance.h"
#include "advlab/gan/judge.h"
#include "advlab/models/architectures.h"
#include "support/scratch_dir.h"
#include "support/trained_models.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

namespace {

namespace data = advlab::data;
namespace models = advlab::models;
using namespace advlab::gan;

GaussianFit exact_fit(torch::Tensor mean, torch::Tensor cov) {
  GaussianFit f;
  f.mean = mean.to(torch::kFloat64);
  f.cov = cov.to(torch::kFloat64);
  f.count = 1000;
  return f;
}

torch::Tensor spd(std::vector<double> values) {
  return torch::tensor(values, torch::kFloat64).view({2, 2});
}

TEST(FrechetDistance, DiagonalGaussiansMatchTheClosedForm) {
  // Commuting covariances: d^2 = |dm|^2 + sum (sqrt(a_i) - sqrt(b_i))^2.
  auto a = exact_fit(torch::tensor({0.0, 1.0, 2.0}), torch::diag(torch::tensor({1.0, 4.0, 9.0})));
  auto b = exact_fit(torch::tensor({1.0, 1.0, 0.0}), torch::diag(torch::tensor({4.0, 1.0, 1.0})));
  double expected = (1 + 0 + 4) + (1 - 2) * (1 - 2) + (2 - 1) * (2 - 1) + (3 - 1) * (3 - 1);
  EXPECT_NEAR(frechet_distance(a, b), expected, 1e-9);
  EXPECT_NEAR(frechet_distance(a, a), 0.0, 1e-9);
  EXPECT_NEAR(frechet_distance(a, b), frechet_distance(b, a), 1e-9);
}

TEST(FrechetDistance, NonCommutingCovariancesMatchTheTwoByTwoFormula) {
  // For 2x2 with real non-negative eigenvalues: tr sqrt(M) = sqrt(tr M + 2 sqrt(det M)).
  auto s1 = spd({2.0, 0.6, 0.6, 1.0});
  auto s2 = spd({1.0, -0.4, -0.4, 3.0});
  auto m = s1.mm(s2);
  double tr_sqrt = std::sqrt(m.trace().item<double>() + 2 * std::sqrt(m.det().item<double>()));
  double mean_term = 0.5 * 0.5 + 2.0 * 2.0;
  double expected = mean_term + s1.trace().item<double>() + s2.trace().item<double>() - 2 * tr_sqrt;
  auto a = exact_fit(torch::tensor({0.0, 0.0}), s1);
  auto b = exact_fit(torch::tensor({0.5, -2.0}), s2);
  EXPECT_NEAR(frechet_distance(a, b), expected, 1e-9);
}

TEST(FrechetDistance, FitsFromSamplesApproachTheClosedForm) {
  auto gen = at::detail::createCPUGenerator(7);
  auto s1 = spd({2.0, 0.6, 0.6, 1.0});
  auto s2 = spd({1.0, -0.4, -0.4, 3.0});
  auto l1 = advlab::compat::cholesky(s1), l2 = advlab::compat::cholesky(s2);
  auto x = torch::randn({40000, 2}, gen, torch::kFloat64).mm(l1.t());
  auto y = torch::randn({40000, 2}, gen, torch::kFloat64).mm(l2.t()) + torch::tensor({0.5, -2.0}, torch::kFloat64);
  double exact = frechet_distance(exact_fit(torch::zeros({2}), s1),
                                  exact_fit(torch::tensor({0.5, -2.0}), s2));
  EXPECT_NEAR(frechet_distance(fit_gaussian(x), fit_gaussian(y)), exact, 0.05 * exact);
}

TEST(FrechetDistance, PsdSquareRootSquaresBack) {
  auto gen = at::detail::createCPUGenerator(1);
  auto a = torch::randn({6, 6}, gen, torch::kFloat64);
  auto s = a.mm(a.t());
  auto r = psd_sqrt(s);
  EXPECT_TRUE(torch::allclose(r.mm(r), s, 1e-9, 1e-9));
}

TEST(FrechetDistance, RejectsTooFewOrMismatchedFeatures) {
  auto msg = advlab::testing::error_message([] { fit_gaussian(torch::zeros({1, 3})); });
  EXPECT_NE(msg.find("N >= 2"), std::string::npos) << msg;
  auto a = fit_gaussian(torch::randn({5, 3})), b = fit_gaussian(torch::randn({5, 4}));
  msg = advlab::testing::error_message([&] { frechet_distance(a, b); });
  EXPECT_NE(msg.find("different dimensions"), std::string::npos) << msg;
}

TEST(FrechetDistance, OnJudgeFeaturesDatasetVsItselfIsZeroVsNoiseIsLarge) {
  if (!advlab::testing::fashion_mnist_available()) GTEST_SKIP() << "Fashion-MNIST not installed";
  const auto& cnn = advlab::testing::fashion_cnn();
  auto judge = Judge::load(cnn.path, {1, 28, 28});
  EXPECT_TRUE(judge.has_penultimate_features()) << judge.feature_kind();
  EXPECT_EQ(judge.features(cnn.test.images.slice(0, 0, 3)).size(1), 128);  // small-cnn fc1
  auto first = cnn.test.images.slice(0, 0, 250), second = cnn.test.images.slice(0, 250, 500);
  auto real = fit_gaussian(judge.features(first));
  double self = frechet_distance(real, fit_gaussian(judge.features(first)));
  double halves = frechet_distance(real, fit_gaussian(judge.features(second)));
  auto noise = torch::rand({250, 1, 28, 28}, at::detail::createCPUGenerator(3));
  double to_noise = frechet_distance(real, fit_gaussian(judge.features(noise)));
  EXPECT_LT(self, 1e-6);
  EXPECT_GT(to_noise, 10 * halves) << "halves " << halves << " noise " << to_noise;
}

TEST(FrechetDistance, JudgeFeaturesArePenultimateOrLogitsAndSaySo) {
  // A built-in architecture: features() gives the 128 fc1 activations, and forward is the
  // last layer applied to them.
  auto cnn = models::make_architecture("small-cnn", {});
  Judge judge(cnn, {1, 28, 28});
  EXPECT_EQ(judge.feature_kind(), "penultimate");
  auto x = torch::rand({3, 1, 28, 28});
  auto f = judge.features(x);
  EXPECT_EQ(f.sizes(), (std::vector<int64_t>{3, 128}));
  auto head = torch::linear(f, cnn.attr("fc2_w").toTensor(), cnn.attr("fc2_b").toTensor());
  EXPECT_TRUE(torch::allclose(head, judge.logits(x), 1e-5, 1e-6));

  // Any other classifier: logits, and the judge says so.
  torch::jit::Module plain("__torch__.PlainClassifier");
  plain.register_parameter("w", torch::randn({784, 10}), false);
  plain.define("def forward(self, x):\n    return x.flatten(1).mm(self.w)\n");
  Judge fallback(plain, {1, 28, 28});
  EXPECT_EQ(fallback.feature_kind(), "logits");
  EXPECT_FALSE(fallback.has_penultimate_features());
  EXPECT_EQ(fallback.features(x).size(1), 10);

  // A model that cannot take the images: one line naming the shape.
  auto msg = advlab::testing::error_message([&] { Judge(cnn, {3, 32, 32}); });
  EXPECT_NE(msg.find("[3, 32, 32]"), std::string::npos) << msg;
}

}  // namespace
