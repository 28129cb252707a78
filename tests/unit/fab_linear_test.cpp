// FAB on linear models, where the smallest adversarial perturbation is known exactly:
// for a sample of class y, min over j != y of (z_y - z_j) / ||w_y - w_j||_q with q the
// dual norm (L-inf -> 1, L2 -> 2, L1 -> inf), as long as the box does not bind.
// Also: bad options are rejected with advlab::Error.
#include "advlab/attacks/registry.h"
#include "advlab/core/error.h"
#include "advlab/criteria/criterion.h"
#include "support/linear_model.h"
#include "support/option_errors.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

namespace advlab {
namespace {

struct LinearCase {
  torch::Tensor x, labels;
  std::shared_ptr<TorchScriptClassifier> model;
  torch::Tensor weight, bias;
};

// K classes, logits centred near x = 0.5 so that margins (and distances) stay small and
// the box [0, 1] never binds; samples with a tiny margin are dropped.
LinearCase make_case(int64_t classes, uint64_t seed) {
  torch::manual_seed(seed);
  LinearCase c;
  c.weight = torch::randn({classes, 16});
  c.bias = -0.5 * c.weight.sum(1) + 0.1 * torch::randn({classes});
  auto x = 0.5 + 0.05 * (2 * torch::rand({40, 1, 4, 4}) - 1);
  auto z = x.flatten(1).matmul(c.weight.t()) + c.bias;
  auto top2 = std::get<0>(z.topk(2, 1));
  auto keep = ((top2.select(1, 0) - top2.select(1, 1)) > 0.02).nonzero().squeeze(1);
  c.x = x.index_select(0, keep);
  c.labels = z.argmax(1).index_select(0, keep);
  c.model = testing::make_linear_classifier(c.weight, c.bias);
  return c;
}

// The exact minimal distance of sample i: to the nearest class j (or to `target` only).
double minimal_distance(const LinearCase& c, int64_t i, const std::string& norm, int64_t target = -1) {
  auto z = c.x[i].flatten().matmul(c.weight.t()) + c.bias;
  int64_t y = c.labels[i].item<int64_t>();
  double best = std::numeric_limits<double>::infinity();
  for (int64_t j = 0; j < c.weight.size(0); ++j) {
    if (j == y || (target >= 0 && j != target)) continue;
    double margin = (z[y] - z[j]).item<double>();
    best = std::min(best, margin / testing::dual_norm(c.weight[y] - c.weight[j], norm));
  }
  return best;
}

void expect_exact(const LinearCase& c, const AttackResult& r, const std::string& norm, int64_t target = -1) {
  ASSERT_TRUE(r.minimum_distance.defined());
  for (int64_t i = 0; i < c.x.size(0); ++i) {
    double exact = minimal_distance(c, i, norm, target);
    double found = r.minimum_distance[i].item<double>();
    EXPECT_TRUE(r.success[i].item<bool>()) << norm << " sample " << i;
    EXPECT_GE(found, exact * (1 - 1e-4)) << norm << " sample " << i << ": below the exact minimum";
    EXPECT_LE(found, exact * 1.01) << norm << " sample " << i;
  }
}

class FabLinear : public ::testing::TestWithParam<std::string> {};

TEST_P(FabLinear, FindsTheExactMinimalDistanceOnATwoClassAffineModel) {
  const std::string norm = GetParam();
  auto c = make_case(2, 7);
  ASSERT_GE(c.x.size(0), 10);
  for (const char* attack : {"fab", "fab-t"}) {
    auto r = make_attack(attack, {{"norm", norm}})->run(*c.model, c.x, Misclassification(c.labels), 1);
    expect_exact(c, r, norm);
  }
  // Targeted towards the other class: the same boundary.
  auto r = make_attack("fab", {{"norm", norm}})->run(*c.model, c.x, TargetedMisclassification(1 - c.labels), 1);
  expect_exact(c, r, norm);
}

TEST_P(FabLinear, FindsTheNearestOfManyBoundariesOnAMultiClassModel) {
  const std::string norm = GetParam();
  auto c = make_case(5, 9);
  ASSERT_GE(c.x.size(0), 10);
  auto r = make_attack("fab", {{"norm", norm}})->run(*c.model, c.x, Misclassification(c.labels), 1);
  expect_exact(c, r, norm);
}

INSTANTIATE_TEST_SUITE_P(Norms, FabLinear, ::testing::Values("linf", "l2", "l1"));

TEST(FabOptions, RejectsBadValuesWithAnErrorNamingThem) {
  const auto& rejects = testing::expect_attack_rejects;
  for (const char* attack : {"fab", "fab-t"}) {
    rejects(attack, {{"n_iter", "0"}}, "steps");  // n_iter: the older name of steps
    rejects(attack, {{"steps", "-3"}}, "steps");
    rejects(attack, {{"n_iter", "5"}, {"steps", "5"}}, "not both");
    rejects(attack, {{"restarts", "0"}}, "restarts");
    rejects(attack, {{"alpha_max", "1.5"}}, "alpha_max");
    rejects(attack, {{"eta", "0.9"}}, "eta");
    rejects(attack, {{"beta", "0"}}, "beta");
    rejects(attack, {{"beta", "1.2"}}, "beta");
    rejects(attack, {{"eps", "-0.1"}}, "eps");
    rejects(attack, {{"eps", "inf"}}, "eps");
    rejects(attack, {{"norm", "l0"}}, "l0");
    rejects(attack, {{"n_iter", "abc"}}, "steps");
  }
  rejects("fab-t", {{"target_classes", "0"}}, "target_classes");
  rejects("fab", {{"target_classes", "3"}}, "target_classes");  // fab-t only
  EXPECT_NO_THROW(make_attack("fab-t", {{"target_classes", "3"}, {"n_iter", "5"}, {"eps", "0.1"}}));
  auto params = make_attack("fab-t", {{"norm", "l2"}, {"steps", "7"}})->params();
  EXPECT_EQ(params["steps"], 7);
  EXPECT_EQ(params["target_classes"], 9);
  EXPECT_TRUE(params["eps"].is_null());
}

}  // namespace
}  // namespace advlab
