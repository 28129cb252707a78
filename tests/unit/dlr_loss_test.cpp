// The DLR losses (Croce & Hein 2020): known values, the sign that marks success, and
// invariance to shifting and rescaling the logits; the targeted form through the
// criterion equals the formula with the strongest non-target class.
#include "advlab/attacks/losses.h"
#include "advlab/core/error.h"
#include "advlab/criteria/criterion.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

namespace advlab {
namespace {

TEST(TargetedDlr, MatchesTheFormulaOnAKnownExample) {
  auto z = torch::tensor({{4.0f, 3.0f, 2.0f, 1.0f, 0.0f}});
  // -(z_0 - z_1) / (z_(1) - (z_(3) + z_(4)) / 2) = -(4 - 3) / (4 - 1.5)
  auto value = targeted_dlr(z, torch::tensor({0L}), torch::tensor({1L}));
  EXPECT_NEAR(value.item<double>(), -0.4, 1e-6);
}

TEST(TargetedDlr, IsPositiveExactlyWhenTheTargetBeatsTheReference) {
  torch::manual_seed(1);
  auto z = torch::randn({200, 10});
  auto y = torch::randint(10, {200}, torch::kLong);
  auto t = (y + torch::randint(1, 10, {200}, torch::kLong)) % 10;
  auto value = targeted_dlr(z, y, t);
  auto zy = z.gather(1, y.view({-1, 1})).squeeze(1), zt = z.gather(1, t.view({-1, 1})).squeeze(1);
  EXPECT_TRUE(torch::equal(value > 0, zt > zy));
  EXPECT_TRUE(torch::equal(value < 0, zt < zy));
}

TEST(TargetedDlr, IsInvariantToShiftingAndScalingTheLogits) {
  torch::manual_seed(2);
  auto z = torch::randn({50, 10});
  auto y = torch::randint(10, {50}, torch::kLong);
  auto t = (y + 3) % 10;
  auto base = targeted_dlr(z, y, t);
  EXPECT_TRUE(torch::allclose(targeted_dlr(z + 7.5, y, t), base, 1e-4, 1e-5));
  EXPECT_TRUE(torch::allclose(targeted_dlr(z * 13.0, y, t), base, 1e-4, 1e-5));
  EXPECT_TRUE(torch::allclose(targeted_dlr(0.2 * z - 4.0, y, t), base, 1e-4, 1e-5));
}

TEST(DlrLoss, UntargetedIsInvariantAndPositiveOnlyWhenMisclassified) {
  torch::manual_seed(3);
  auto z = torch::randn({100, 10});
  auto y = torch::randint(10, {100}, torch::kLong);
  Misclassification criterion(y);
  DlrLoss dlr;
  auto base = dlr(z, criterion);
  EXPECT_TRUE(torch::allclose(dlr(3.0 * z + 1.0, criterion), base, 1e-4, 1e-5));
  EXPECT_TRUE(torch::equal(base > 0, z.argmax(1) != y));
}

TEST(DlrLoss, TargetedUsesTheStrongestNonTargetClass) {
  torch::manual_seed(4);
  auto z = torch::randn({100, 10});
  auto t = torch::randint(10, {100}, torch::kLong);
  TargetedMisclassification criterion(t);
  auto rival = z.scatter(1, t.view({-1, 1}), -1e9).argmax(1);
  auto value = DlrLoss()(z, criterion);
  EXPECT_TRUE(torch::allclose(value, targeted_dlr(z, rival, t)));
  EXPECT_TRUE(torch::equal(value > 0, z.argmax(1) == t));
  EXPECT_TRUE(torch::allclose(DlrLoss()(5.0 * z - 2.0, criterion), value, 1e-4, 1e-5));
}

TEST(DlrLoss, TargetedGradientRaisesTheTargetLogit) {
  auto z = torch::tensor({{3.0f, 1.0f, 0.5f, 0.0f, -1.0f}}).requires_grad_(true);
  TargetedMisclassification criterion(torch::tensor({2L}));
  auto value = DlrLoss()(z, criterion);
  auto grad = torch::autograd::grad({value.sum()}, {z})[0];
  EXPECT_GT(grad[0][2].item<double>(), 0);  // towards the target
  EXPECT_LT(grad[0][0].item<double>(), 0);  // away from the predicted class
}

TEST(DlrLoss, RejectsTooFewClasses) {
  DlrLoss dlr;
  EXPECT_THROW(dlr(torch::randn({4, 2}), Misclassification(torch::zeros({4}, torch::kLong))), Error);
  EXPECT_THROW(dlr(torch::randn({4, 3}), TargetedMisclassification(torch::ones({4}, torch::kLong))), Error);
  EXPECT_NO_THROW(dlr(torch::randn({4, 3}), Misclassification(torch::zeros({4}, torch::kLong))));
}

}  // namespace
}  // namespace advlab
