// ALMA: P2's slope is its derivative; on a four-class linear model ALMA finds the exact
// smallest L2 and L1 distance (min over classes of margin / dual norm) to within a few
// percent, never below it; on the trained CNN it breaks every sample with a median L2
// no worse than DDN's and FMN's by a stated margin; a sample's result does not depend
// on the rest of its batch; same seed, same result; bad options are errors.
#include "advlab/attacks/gradient/penalty_lagrangian.h"
#include "advlab/attacks/registry.h"
#include "advlab/core/error.h"
#include "advlab/criteria/criterion.h"
#include "support/linear_model.h"
#include "support/option_errors.h"
#include "support/trained_models.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <iostream>

namespace advlab {
namespace {

TEST(PenaltyLagrangian, SlopeIsTheDerivativeAndPositive) {
  auto y = torch::linspace(-3, 3, 61, torch::kDouble);
  auto rho = torch::full_like(y, 2.5), mu = torch::full_like(y, 0.7);
  const double h = 1e-6;
  auto numeric = (p2_penalty(y + h, rho, mu) - p2_penalty(y - h, rho, mu)) / (2 * h);
  EXPECT_TRUE(torch::allclose(p2_penalty_slope(y, rho, mu), numeric, 1e-6, 1e-6));
  EXPECT_TRUE((p2_penalty_slope(y, rho, mu) > 0).all().item<bool>());
  auto zero = torch::zeros({1}, torch::kDouble);
  EXPECT_EQ(p2_penalty(zero, rho.narrow(0, 0, 1), mu.narrow(0, 0, 1)).item<double>(), 0.0);
  EXPECT_DOUBLE_EQ(p2_penalty_slope(zero, rho.narrow(0, 0, 1), mu.narrow(0, 0, 1)).item<double>(), 0.7);
  // A satisfied constraint's penalty flattens towards -mu / rho.
  auto far = torch::full({1}, -1e6, torch::kDouble);
  EXPECT_NEAR(p2_penalty(far, rho.narrow(0, 0, 1), mu.narrow(0, 0, 1)).item<double>(), -0.7 / 2.5, 1e-6);
}

class AlmaLinear : public ::testing::TestWithParam<std::string> {};

// Only class 1's boundary within reach (rival_offset 4), so the exact answer is one
// margin / dual norm per sample. Its distances (median 0.09 L2, 0.17 L1) are far below an
// image's, so the default rate (0.1 of the box per coordinate) would overshoot them; as the
// paper does, the first step is sized instead (init_lr_distance 0.01, about a tenth of
// them). One run of the paper's 1000 steps (the default five runs of 200 stop short of
// the L1 answer here: 2.28). Measured: worst found / exact 1.0095 (L2) and 1.018 (L1)
// over 31 samples; with the default rate 1.51 and 2.54.
TEST_P(AlmaLinear, FindsTheExactMinimalDistance) {
  const std::string norm = GetParam();
  auto p = testing::four_class_problem(5, 4.0);
  ASSERT_GE(p.x.size(0), 8);
  auto exact = testing::exact_minimal_distance(p, norm);
  auto r = make_attack("alma", {{"norm", norm}, {"init_lr_distance", "0.01"}, {"steps", "1000"}, {"target_classes", "0"}})
               ->run(*p.model, p.x, Misclassification(p.labels), 0);
  ASSERT_TRUE(r.success.all().item<bool>());
  auto ratio = r.minimum_distance / exact;
  std::cout << norm << ": alma / exact distance in [" << ratio.min().item<double>() << ", "
            << ratio.max().item<double>() << "] over " << p.x.size(0) << " samples\n";
  EXPECT_GE(ratio.min().item<double>(), 1 - 1e-4);  // a verified adversarial cannot beat the exact answer
  EXPECT_LE(ratio.max().item<double>(), 1.03);  // a few percent
}

INSTANTIATE_TEST_SUITE_P(Norms, AlmaLinear, ::testing::Values("l2", "l1"));

// Per-sample state only, and no vectorised transcendental on it (scalar_map.h): before
// that, a sample's distance moved by up to 9% with the batch it ran in.
TEST(Alma, ASamplesResultDoesNotDependOnItsBatch) {
  auto p = testing::four_class_problem(5);
  auto attack = make_attack("alma", {{"steps", "200"}});
  auto whole = attack->run(*p.model, p.x, Misclassification(p.labels), 3);
  auto half = p.x.size(0) / 2;
  auto part = attack->run(*p.model, p.x.narrow(0, 0, half), Misclassification(p.labels.narrow(0, 0, half)), 3);
  EXPECT_TRUE(torch::equal(whole.adversarials.narrow(0, 0, half), part.adversarials));
  auto again = attack->run(*p.model, p.x, Misclassification(p.labels), 3);
  EXPECT_TRUE(torch::equal(whole.adversarials, again.adversarials)) << "same seed, different result";
}

TEST(Alma, BreaksTheCnnAsCloseAsDdnAndFmn) {
  if (!testing::fashion_mnist_available()) GTEST_SKIP() << "Fashion-MNIST not installed";
  const auto& trained = testing::fashion_cnn();
  const auto images = testing::first_test_images(trained, 100);
  const auto &x = images.x, &labels = images.labels, &correct = images.correct;
  Misclassification criterion(labels);
  auto alma = make_attack("alma", {})->run(*trained.model, x, criterion, 0);
  auto ddn = make_attack("ddn", {{"target_classes", "0"}})->run(*trained.model, x, criterion, 0);
  auto fmn = make_attack("fmn", {{"norm", "l2"}, {"target_classes", "0"}})->run(*trained.model, x, criterion, 0);
  EXPECT_TRUE(alma.success.all().item<bool>());
  auto median = [&](const AttackResult& r) { return r.minimum_distance.index_select(0, correct).median().item<double>(); };
  std::cout << "median L2: alma " << median(alma) << ", ddn " << median(ddn) << ", fmn " << median(fmn) << "\n";
  // Median L2 on these 100 images for test-model seeds 1/2/3 (ADVLAB_TEST_MODEL_SEED):
  // alma 0.678/0.749/0.669, ddn 0.673/0.773/0.682, fmn 0.676/0.780/0.674 (alma over the
  // better of the two at most 1.007x). ALMA's median also moves by about 1% with the last
  // bits of its arithmetic (0.671 when its rate decay was vectorised, scalar_map.h), so the
  // margin allows 3% over either.
  EXPECT_LE(median(alma), median(ddn) * 1.03);
  EXPECT_LE(median(alma), median(fmn) * 1.03);
  // The returned adversarial is the one measured (unprojected, no eps).
  auto d = (alma.adversarials - x).flatten(1).norm(2, 1);
  EXPECT_TRUE(torch::allclose(d.index_select(0, correct), alma.minimum_distance.index_select(0, correct), 1e-4, 1e-5));
}

TEST(Alma, RejectsBadOptionsWithAnErrorNamingThem) {
  auto rejects = [](const std::map<std::string, std::string>& options, const std::string& needle) {
    testing::expect_attack_rejects("alma", options, needle);
  };
  rejects({{"norm", "linf"}}, "linf");
  rejects({{"steps", "0"}}, "steps");
  rejects({{"lr_init", "0"}}, "lr_init");
  rejects({{"lr_reduction", "1.5"}}, "lr_reduction");
  rejects({{"init_lr_distance", "-1"}}, "init_lr_distance");
  rejects({{"mu_init", "0"}}, "mu_init");
  rejects({{"rho_init", "-1"}}, "rho_init");
  rejects({{"check_steps", "0"}}, "check_steps");
  rejects({{"tau", "1.5"}}, "tau");
  rejects({{"gamma", "0.5"}}, "gamma");
  rejects({{"alpha", "1"}}, "alpha");
  rejects({{"eps", "-0.1"}}, "eps");
  rejects({{"stepz", "3"}}, "stepz");
  EXPECT_TRUE(make_attack("alma", {})->params()["eps"].is_null());
  EXPECT_EQ(make_attack("alma", {{"norm", "l1"}, {"eps", "5"}})->params()["eps"].get<double>(), 5.0);
}

TEST(Alma, L1SizesItsFirstStepByDefaultAndL2UsesTheRate) {
  auto in_effect = [](const std::map<std::string, std::string>& options) {
    return make_attack("alma", options)->params()["init_lr_distance"].get<double>();
  };
  EXPECT_EQ(in_effect({{"norm", "l1"}}), 0.5);  // AttackBench's setting for L1
  EXPECT_EQ(in_effect({{"norm", "l2"}}), 0.0);  // lr_init
  EXPECT_EQ(in_effect({{"norm", "l1"}, {"init_lr_distance", "0"}}), 0.0);
  EXPECT_EQ(in_effect({{"norm", "l2"}, {"init_lr_distance", "2"}}), 2.0);
}

}  // namespace
}  // namespace advlab
