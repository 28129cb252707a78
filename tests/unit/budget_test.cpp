// Threat and budget are arguments of Attack::run: one attack object serves every eps,
// reports the budget it ran with, refuses norms it does not support, and minimum-norm
// attacks keep success and minimum_distance consistent at every eps.
#include "advlab/attacks/budget.h"
#include "advlab/attacks/registry.h"
#include "advlab/core/error.h"
#include "advlab/criteria/criterion.h"
#include "support/linear_model.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

namespace advlab {
namespace {

struct LinearProblem {
  torch::Tensor x, labels, linf_distance;  // analytic L-inf distance to the boundary
  std::shared_ptr<TorchScriptClassifier> model;
};

// Two classes, z0 - z1 = w.(x - 0.5) + m with x near 0.5: no bound binds, so the
// smallest L-inf adversarial is at margin / ||w||_1 exactly.
LinearProblem linear_problem() {
  torch::manual_seed(5);
  LinearProblem p;
  auto weight = torch::randn({2, 16});
  auto w = weight[0] - weight[1];
  auto bias = torch::stack({0.3 - 0.5 * w.sum(), torch::zeros({})});
  p.x = 0.5 + (torch::rand({24, 1, 4, 4}) - 0.5) * 0.1;
  auto margin = p.x.flatten(1).matmul(w) + bias[0];
  auto keep = (margin > 0.05).nonzero().squeeze(1);
  p.x = p.x.index_select(0, keep);
  p.labels = torch::zeros({p.x.size(0)}, torch::kLong);
  p.linf_distance = margin.index_select(0, keep) / w.abs().sum();
  p.model = testing::make_linear_classifier(weight, bias);
  return p;
}

TEST(Budget, RejectsBadValues) {
  EXPECT_THROW(Budget::of("l3", 0.1), Error);
  EXPECT_THROW(Budget::of("linf", -0.1), Error);
  EXPECT_THROW(Budget::of("linf", std::numeric_limits<double>::infinity()), Error);
  EXPECT_THROW(Budget::of("linf", 0.1, -1), Error);
  auto b = Budget::of("l2", 1.5, 100);
  EXPECT_EQ(b.norm(), "l2");
  EXPECT_EQ(*b.with_eps(0.5).eps, 0.5);
  EXPECT_FALSE(b.with_eps(std::nullopt).eps.has_value());
}

// One PGD object run at another eps gives, bit for bit, what a PGD built for that eps
// gives, and reports that eps (and the step it implies) in its parameters.
TEST(Budget, OneAttackObjectServesEveryEps) {
  auto p = linear_problem();
  Misclassification criterion(p.labels);
  auto shared = make_attack("pgd", {{"eps", "0.01"}});
  for (double eps : {0.02, 0.05, 0.2}) {
    auto via_budget = shared->run(*p.model, p.x, criterion, Budget::of("linf", eps), 7);
    auto own = make_attack("pgd", {{"eps", c10::str(eps)}})->run(*p.model, p.x, criterion, 7);
    EXPECT_TRUE(torch::equal(via_budget.adversarials, own.adversarials)) << "eps " << eps;
    EXPECT_TRUE(torch::equal(via_budget.success, own.success)) << "eps " << eps;
    EXPECT_DOUBLE_EQ(shared->params()["eps"].get<double>(), eps);
    EXPECT_DOUBLE_EQ(shared->params()["step_size"].get<double>(), 2.5 * eps / 40);
    EXPECT_LE(via_budget.distances.linf.max().item<double>(), eps * (1 + 1e-5));
  }
  EXPECT_DOUBLE_EQ(shared->default_budget().eps.value(), 0.01);
}

TEST(Budget, RefusesANormTheAttackDoesNotSupport) {
  auto p = linear_problem();
  auto attack = make_attack("bim", {{"eps", "0.1"}});  // bim: linf only
  try {
    attack->run(*p.model, p.x, Misclassification(p.labels), Budget::of("l2", 0.5));
    FAIL() << "bim ran with an l2 budget";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("bim: norm must be one of linf, got 'l2'"), std::string::npos) << e.what();
  }
}

TEST(Budget, BoundedAttackWithoutEpsIsAnError) {
  auto p = linear_problem();
  auto attack = make_attack("pgd", {{"eps", "0.1"}});
  EXPECT_THROW(attack->run(*p.model, p.x, Misclassification(p.labels), Budget::of("linf", std::nullopt)), Error);
}

// A minimum-norm attack run without eps finds each sample's smallest adversarial; the same
// object run at any eps then succeeds exactly where that distance is within eps, and never
// reports a success whose minimum distance lies beyond eps.
TEST(Budget, MinimumNormAttackIsConsistentAtEveryEps) {
  auto p = linear_problem();
  Misclassification criterion(p.labels);
  auto fmn = make_attack("fmn", {{"norm", "linf"}, {"steps", "200"}});
  auto unbounded = fmn->run(*p.model, p.x, criterion, Budget::of("linf", std::nullopt), 3);
  ASSERT_TRUE(unbounded.success.all().item<bool>());
  // FMN converges onto the linear boundary from above.
  EXPECT_TRUE(torch::allclose(unbounded.minimum_distance, p.linf_distance.to(torch::kFloat), 0.05, 1e-3))
      << unbounded.minimum_distance << p.linf_distance;
  for (double eps : {0.5, 1.0, 1.5}) {
    const double e = eps * p.linf_distance.median().item<double>();
    auto r = fmn->run(*p.model, p.x, criterion, Budget::of("linf", e), 3);
    EXPECT_FALSE((r.success & (r.minimum_distance > e * (1 + 1e-4) + 1e-6)).any().item<bool>());
    EXPECT_TRUE((r.success | (r.minimum_distance > e * (1 - 1e-4))).all().item<bool>());
    // Nothing below the analytic distance can be adversarial.
    auto impossible = p.linf_distance > e * (1 + 1e-3);
    EXPECT_FALSE((r.success & impossible).any().item<bool>()) << "eps " << e;
    auto easy = p.linf_distance < e * 0.9;
    EXPECT_TRUE((r.success | ~easy).all().item<bool>()) << "eps " << e;
  }
}

}  // namespace
}  // namespace advlab
