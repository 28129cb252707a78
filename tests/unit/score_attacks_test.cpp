// The score-based black-box attacks (square, nes, spsa, simba, zoo): their building
// blocks (Square's schedule and L2 pattern, SimBA's DCT basis), option checks, eps = 0,
// and strength on the trained CNN: Square L-inf breaks >= 85% within 1000 queries, and
// every attack beats random noise of the same norm clearly at its default budget.
#include "advlab/attacks/blackbox/simba.h"
#include "advlab/attacks/blackbox/square.h"
#include "advlab/attacks/registry.h"
#include "advlab/core/error.h"
#include "advlab/criteria/criterion.h"
#include "support/linear_model.h"
#include "support/option_errors.h"
#include "support/trained_models.h"

#include <ATen/CPUGeneratorImpl.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

namespace advlab {
namespace {

const char* const kScoreAttacks[] = {"square", "nes", "spsa", "simba", "zoo"};

TEST(SquareSchedule, HalvesPInitOnTheGridRescaledToTheBudget) {
  using detail_square::square_fraction;
  EXPECT_DOUBLE_EQ(square_fraction(0.8, 0, 10000), 0.8);
  EXPECT_DOUBLE_EQ(square_fraction(0.8, 10, 10000), 0.8);
  EXPECT_DOUBLE_EQ(square_fraction(0.8, 11, 10000), 0.4);
  EXPECT_DOUBLE_EQ(square_fraction(0.8, 50, 10000), 0.4);
  EXPECT_DOUBLE_EQ(square_fraction(0.8, 51, 10000), 0.2);
  EXPECT_DOUBLE_EQ(square_fraction(0.8, 600, 10000), 0.8 / 16);
  EXPECT_DOUBLE_EQ(square_fraction(0.8, 9999, 10000), 0.8 / 512);
  // A 1000-query budget runs the same schedule ten times faster.
  EXPECT_DOUBLE_EQ(square_fraction(0.8, 1, 1000), 0.8);
  EXPECT_DOUBLE_EQ(square_fraction(0.8, 2, 1000), 0.4);
  EXPECT_DOUBLE_EQ(square_fraction(0.8, 60, 1000), 0.8 / 16);
}

TEST(SquareL2Pattern, HasUnitNormAndTwoHalvesOfOppositeSign) {
  for (int64_t s : {3, 5, 8, 25}) {
    auto p = detail_square::square_l2_pattern(s, false);
    EXPECT_NEAR(p.norm().item<double>(), 1.0, 1e-5) << s;
    EXPECT_TRUE((p.slice(0, 0, s / 2) >= 0).all().item<bool>());
    EXPECT_TRUE((p.slice(0, s / 2, s) <= 0).all().item<bool>());
    // Centred: the largest weight of each half sits in its middle column.
    EXPECT_EQ(p.slice(0, s / 2, s).abs().amax(0).argmax().item<int64_t>(), s / 2);
    EXPECT_TRUE(torch::equal(detail_square::square_l2_pattern(s, true), p.t()));
  }
}

TEST(SquareL1Pattern, HasUnitL1NormAndFallsOffFasterThanTheL2One) {
  for (int64_t s : {3, 5, 9, 25}) {
    auto p = detail_square::square_l1_pattern(s, false);
    EXPECT_NEAR(p.abs().sum().item<double>(), 1.0, 1e-5) << s;
    EXPECT_TRUE((p.slice(0, 0, s / 2) >= 0).all().item<bool>());
    EXPECT_TRUE((p.slice(0, s / 2, s) <= 0).all().item<bool>());
    EXPECT_TRUE(torch::equal(detail_square::square_l1_pattern(s, true), p.t()));
    // Weights 1/(k+1)^4 against 1/(k+1)^2: more of the mass at the centre of each half.
    auto peak = [s](const torch::Tensor& q) { return (q.slice(0, s / 2, s).abs().max() / q.abs().sum()).item<double>(); };
    if (s >= 5) {
      EXPECT_GT(peak(p), peak(detail_square::square_l2_pattern(s, false))) << s;
    }
  }
}

TEST(SimbaDct, BasisIsOrthonormalAndLowFrequenciesComeFirst) {
  auto d = detail_simba::dct_matrix(7);
  EXPECT_TRUE(torch::allclose(d.matmul(d.t()), torch::eye(7), 1e-5, 1e-5));
  auto gen = at::detail::createCPUGenerator(1);
  auto order = detail_simba::dct_order(2, 8, 8, 3, 2, gen);
  ASSERT_EQ(order.numel(), 2 * 8 * 8);
  EXPECT_TRUE(torch::equal(std::get<0>(order.sort()), torch::arange(128, torch::kLong)));
  auto u = (order % 64) / 8, v = order % 8;
  auto ring = torch::maximum(u, v);
  EXPECT_TRUE((ring.narrow(0, 0, 2 * 9) < 3).all().item<bool>());             // the 3x3 block
  EXPECT_TRUE((ring.narrow(0, 18, 2 * (25 - 9)) < 5).all().item<bool>());     // then the ring to 5
  EXPECT_TRUE((ring.narrow(0, 18, 2 * (25 - 9)) >= 3).all().item<bool>());
}

TEST(ScoreAttacks, RejectBadOptionsNamingTheValue) {
  auto throws_naming = [](const std::string& name, std::map<std::string, std::string> options,
                          const std::string& needle) {
    options.emplace("eps", "0.1");
    testing::expect_attack_rejects(name, options, needle);
  };
  for (const char* name : kScoreAttacks) {
    throws_naming(name, {{"output", "label"}}, "label");
    throws_naming(name, {{"queries", "0"}}, "queries");
    // Square has an L1 version; the others stop at L2. No score attack has L0.
    throws_naming(name, {{"norm", std::string(name) == "square" ? "l0" : "l1"}}, std::string(name) == "square" ? "l0" : "l1");
    throws_naming(name, {{"eps", "-1"}}, "-1");
  }
  throws_naming("square", {{"p_init", "1.5"}}, "1.5");
  throws_naming("nes", {{"samples", "7"}}, "7");
  throws_naming("nes", {{"loss", "hinge"}}, "hinge");
  throws_naming("spsa", {{"delta", "0"}}, "delta");
  throws_naming("simba", {{"basis", "wavelet"}}, "wavelet");
  throws_naming("zoo", {{"solver", "lbfgs"}}, "lbfgs");
  throws_naming("zoo", {{"coordinates", "0"}}, "coordinates");
}

TEST(ScoreAttacks, WithEpsZeroReturnTheCleanInputsWithinBudget) {
  torch::manual_seed(2);
  auto model = testing::make_linear_classifier(torch::randn({3, 16}), torch::zeros({3}));
  auto x = torch::rand({6, 1, 4, 4});
  auto labels = model->logits(x).argmax(1).detach();
  for (const char* name : kScoreAttacks)
    for (const char* norm : {"linf", "l2"}) {
      auto r = make_attack(name, {{"eps", "0"}, {"norm", norm}, {"queries", "50"}})->run(*model, x, Misclassification(labels));
      EXPECT_TRUE(torch::equal(r.adversarials, x)) << name << " " << norm;
      EXPECT_FALSE(r.success.any().item<bool>());
      EXPECT_LE(r.queries.max().item<int64_t>(), 50);
    }
}

// --- On the trained CNN --------------------------------------------------------------

struct CnnSample {
  torch::Tensor x, labels;
};

// The first n test images the CNN classifies correctly.
CnnSample correct_images(int64_t n) {
  const auto& trained = testing::fashion_cnn();
  auto x = trained.test.images.narrow(0, 0, 2 * n);
  auto labels = trained.test.labels.narrow(0, 0, 2 * n);
  auto keep = (trained.model->predict(x) == labels).nonzero().squeeze(1).narrow(0, 0, n);
  return {x.index_select(0, keep), labels.index_select(0, keep)};
}

double success_rate(const std::string& name, const std::map<std::string, std::string>& options, const CnnSample& s) {
  auto r = make_attack(name, options)->run(*testing::fashion_cnn().model, s.x, Misclassification(s.labels), 0);
  return r.success.to(torch::kDouble).mean().item<double>();
}

// The strongest cheap random baseline: +-eps on every pixel (L-inf) or a Gaussian
// direction of norm eps (L2), clipped, best of `draws` tries per image.
double noise_success_rate(const std::string& norm, double eps, const CnnSample& s, int draws) {
  auto gen = at::detail::createCPUGenerator(9);
  auto broken = torch::zeros({s.x.size(0)}, torch::kBool);
  for (int d = 0; d < draws; ++d) {
    torch::Tensor noise;
    if (norm == "linf") {
      noise = eps * (at::randint(0, 2, s.x.sizes(), gen, torch::kFloat32) * 2 - 1);
    } else {
      noise = at::randn(s.x.sizes(), gen);
      noise = noise * eps / flat(noise).norm(2, 1).view({-1, 1, 1, 1});
    }
    auto pred = testing::fashion_cnn().model->predict((s.x + noise).clamp(0, 1));
    broken |= pred != s.labels;
  }
  return broken.to(torch::kDouble).mean().item<double>();
}

TEST(ScoreAttacksOnCnn, SquareLinfBreaksNearlyAllWithinAThousandQueries) {
  if (!testing::fashion_mnist_available()) GTEST_SKIP() << "Fashion-MNIST not installed";
  auto s = correct_images(100);
  double rate = success_rate("square", {{"eps", "0.1"}, {"norm", "linf"}, {"queries", "1000"}}, s);
  RecordProperty("square_linf_success", std::to_string(rate));
  // Test-model seeds 1/2/3: 0.93, 0.91, 0.95; margin: 6 of the 100 images below the lowest.
  EXPECT_GE(rate, 0.85);
}

TEST(ScoreAttacksOnCnn, SquareL1StaysInTheBallWithinTheBoxAndBeatsNoise) {
  if (!testing::fashion_mnist_available()) GTEST_SKIP() << "Fashion-MNIST not installed";
  auto s = correct_images(30);
  const double eps = 8;
  auto r = make_attack("square", {{"eps", "8"}, {"norm", "l1"}, {"queries", "500"}})
               ->run(*testing::fashion_cnn().model, s.x, Misclassification(s.labels), 0);
  auto d = flat(r.adversarials - s.x).abs().sum(1);
  EXPECT_LE(d.max().item<double>(), eps * (1 + 1e-5) + 1e-6);
  EXPECT_GE(r.adversarials.min().item<double>(), 0.0);
  EXPECT_LE(r.adversarials.max().item<double>(), 1.0);
  EXPECT_LE(r.queries.max().item<int64_t>(), 500);
  // Noise baseline: the best of 100 Gaussian directions of L1 norm eps per image, clipped.
  auto gen = at::detail::createCPUGenerator(9);
  auto broken = torch::zeros({s.x.size(0)}, torch::kBool);
  for (int k = 0; k < 100; ++k) {
    auto noise = at::randn(s.x.sizes(), gen);
    noise = noise * eps / flat(noise).abs().sum(1).view({-1, 1, 1, 1});
    broken |= testing::fashion_cnn().model->predict((s.x + noise).clamp(0, 1)) != s.labels;
  }
  double attack = r.success.to(torch::kDouble).mean().item<double>();
  double noise = broken.to(torch::kDouble).mean().item<double>();
  std::cout << "square l1 eps 8, 500 queries: success " << attack << ", noise " << noise << "\n";
  // Test model seed 1: 0.40 against 0 (1000 queries on 50 images: 0.48); margin: three
  // of the 30 images.
  EXPECT_GE(attack, noise + 0.3);
}

class BeatsNoise : public ::testing::TestWithParam<std::tuple<std::string, std::string>> {};

TEST_P(BeatsNoise, AtItsDefaultBudget) {
  if (!testing::fashion_mnist_available()) GTEST_SKIP() << "Fashion-MNIST not installed";
  const auto& [name, norm] = GetParam();
  auto s = correct_images(30);
  const double eps = norm == "linf" ? 0.1 : 1.5;
  double attack = success_rate(name, {{"eps", c10::str(eps)}, {"norm", norm}}, s);
  // Noise is not one draw but the best of 100 per image: a random search baseline.
  double noise = noise_success_rate(norm, eps, s, 100);
  std::cout << name << " " << norm << ": attack " << attack << ", noise " << noise << "\n";
  // attack - noise, lowest over the five attacks for test-model seeds 1/2/3: L-inf 0.23/0.13/0.30
  // (zoo; the others >= 0.17), L2 0.40/0.30/0.37 (zoo); margin: two of the 30 images below.
  const double gap = norm == "linf" ? 2.0 / 30 : 0.3 - 2.0 / 30;
  EXPECT_GE(attack, noise + gap) << "attack " << attack << " vs noise " << noise;
}

INSTANTIATE_TEST_SUITE_P(ScoreAttacks, BeatsNoise,
                         ::testing::Combine(::testing::Values("nes", "spsa", "simba", "zoo", "square"),
                                            ::testing::Values("linf", "l2")),
                         [](const auto& info) { return std::get<0>(info.param) + "_" + std::get<1>(info.param); });

}  // namespace
}  // namespace advlab
