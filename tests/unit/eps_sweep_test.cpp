// An eps sweep of a minimum-norm attack from one unbounded run (eps_sweep.h): the bounded
// results equal those of bounded runs, respect the ball and the bounds, and agree with
// the exact distances of a linear model; advlab eval uses it for every such attack.
#include "advlab/attacks/eps_sweep.h"
#include "advlab/attacks/registry.h"
#include "advlab/criteria/criterion.h"
#include "advlab/eval/robustness_evaluation.h"
#include "advlab/threat/threat_model.h"
#include "support/linear_model.h"
#include "support/trained_models.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <sstream>

namespace advlab {
namespace {

// Two classes, z_0 - z_1 = w.(x - 0.5) + margin: the smallest L2 change that flips a
// sample is margin / ||w||_2 (inside the box for these small margins).
struct TwoClassLinear {
  torch::Tensor x, labels, exact;
  std::shared_ptr<TorchScriptClassifier> model;
};

TwoClassLinear two_class_linear() {
  torch::manual_seed(11);
  TwoClassLinear p;
  auto w = torch::randn({16});
  auto weight = torch::stack({w / 2, -w / 2});
  auto margin = torch::linspace(0.1, 1.5, 24);
  // x = 0.5 + t w/||w||: moving along w changes z_0 - z_1 by ||w|| per unit of t.
  auto unit = w / w.norm();
  p.x = (0.5 + (margin / w.norm()).unsqueeze(1) * unit.unsqueeze(0)).view({24, 1, 4, 4});
  auto bias = torch::stack({-0.25 * w.sum(), 0.25 * w.sum()});
  p.model = testing::make_linear_classifier(weight, bias);
  p.labels = torch::zeros({24}, torch::kLong);
  p.exact = margin / w.norm();
  return p;
}

TEST(EpsSweep, BoundedFromOneRunEqualsABoundedRunAndTheExactAnswer) {
  auto p = two_class_linear();
  ASSERT_TRUE((p.x >= 0).all().item<bool>() && (p.x <= 1).all().item<bool>());
  Misclassification criterion(p.labels);
  auto attack = make_attack("deepfool", {{"norm", "l2"}});
  auto unbounded = attack->run(*p.model, p.x, criterion, Budget::of("l2", std::nullopt));
  ASSERT_TRUE(unbounded.success.all().item<bool>());
  const double median = p.exact.median().item<double>();
  for (double eps : {0.5 * median, median, 1.5 * median}) {
    auto budget = Budget::of("l2", eps);
    auto swept = bound_minimum_norm_result(*p.model, p.x, criterion, unbounded, budget);
    auto bounded = attack->run(*p.model, p.x, criterion, budget);
    EXPECT_TRUE(swept.success.equal(bounded.success)) << "eps " << eps;
    EXPECT_TRUE(torch::allclose(swept.adversarials, bounded.adversarials, 1e-5, 1e-6)) << "eps " << eps;
    // Inside the ball and the box, success verified, and the mathematics: no adversarial
    // exists below the exact distance, and DeepFool (exact on linear models, up to its
    // 2% overshoot) finds one a little above it.
    auto d = swept.adversarials.flatten(1).sub(p.x.flatten(1)).norm(2, 1);
    EXPECT_TRUE((d <= eps * (1 + 1e-5) + 1e-6).all().item<bool>());
    EXPECT_TRUE((swept.adversarials >= 0).all().item<bool>() && (swept.adversarials <= 1).all().item<bool>());
    auto fools = p.model->logits(swept.adversarials).argmax(1) != p.labels;
    EXPECT_TRUE(fools.equal(swept.success));
    EXPECT_FALSE((swept.success & (p.exact > eps * 1.001)).any().item<bool>()) << "eps " << eps;
    EXPECT_TRUE(swept.success.masked_select(p.exact < eps / 1.05).all().item<bool>()) << "eps " << eps;
    EXPECT_TRUE((swept.minimum_distance <= eps * (1 + 1e-5) + 1e-6).equal(swept.success));
  }
}

// FAB caps its restarts by eps and stops a sample once within it: unbounded it broke
// fewer samples at the larger of two eps than a bounded run did (26 vs 28 of 60 on the
// standard CNN, L-inf 0.04), so eval runs such attacks once per eps.
TEST(EpsSweep, AttacksThatEpsSteersAreNotSwept) {
  for (const char* name : {"fab", "fab-t", "hsja", "boundary"})
    EXPECT_TRUE(make_attack(name, {})->eps_steers_search()) << name;
  for (const char* name : {"deepfool", "fmn", "ddn", "cw", "sigma-zero", "alma", "pdpgd"})
    EXPECT_FALSE(make_attack(name, {})->eps_steers_search()) << name;
}

TEST(EpsSweep, RejectsAResultWithoutMinimumDistances) {
  auto p = two_class_linear();
  Misclassification criterion(p.labels);
  auto fgsm = make_attack("fgsm", {{"norm", "l2"}, {"eps", "0.1"}});
  auto r = fgsm->run(*p.model, p.x, criterion);
  EXPECT_THROW(bound_minimum_norm_result(*p.model, p.x, criterion, r, Budget::of("l2", 0.1)), Error);
  auto deepfool = make_attack("deepfool", {{"norm", "l2"}});
  auto u = deepfool->run(*p.model, p.x, criterion, Budget::of("l2", std::nullopt));
  EXPECT_THROW(bound_minimum_norm_result(*p.model, p.x, criterion, u, Budget::of("l2", std::nullopt)), Error);
}

// advlab eval over three eps after FGSM: DeepFool (minimum-norm) searches once; each eps's
// stage equals a bounded run on the samples that stage attacked.
TEST(EpsSweep, EachEpsOfAnEvaluationEqualsABoundedRunOnTheSameSamples) {
  if (!testing::fashion_mnist_available()) GTEST_SKIP() << "Fashion-MNIST not installed";
  const auto& trained = testing::fashion_cnn();
  auto data = trained.test.head(60);
  eval::EvaluationOptions o;
  o.attacks = {"fgsm", "deepfool"};
  o.norm = "l2";
  o.eps = {0.4, 0.8, 1.2};
  o.individual = false;
  o.checks = false;
  o.seed = 3;
  auto ev = eval::evaluate_robustness(*trained.model, data, o);
  auto deepfool = make_attack("deepfool", {{"norm", "l2"}});
  for (const auto& at : ev.per_eps) {
    const auto& stage = at.stages.at(1);
    EXPECT_TRUE(stage.params.contains("eps_sweep"));
    auto rows = stage.attacked.nonzero().squeeze(1);
    ASSERT_GT(rows.size(0), 0);
    Misclassification criterion(data.labels.index_select(0, rows).to(torch::kLong));
    auto bounded = deepfool->run(*trained.model, data.images.index_select(0, rows), criterion,
                                 Budget::of("l2", at.eps));
    EXPECT_TRUE(stage.broken.index_select(0, rows).equal(bounded.success)) << "eps " << at.eps;
  }
}

// With DeepFool alone on every correct sample, it searches once (the progress log says the
// later eps bound that search) and the broken set at eps is exactly {smallest distance <=
// eps}, so robust accuracy cannot rise with eps (separate runs would not guarantee that).
TEST(EpsSweep, AloneTheBrokenSetIsTheDistanceCurve) {
  if (!testing::fashion_mnist_available()) GTEST_SKIP() << "Fashion-MNIST not installed";
  const auto& trained = testing::fashion_cnn();
  auto data = trained.test.head(60);
  eval::EvaluationOptions o;
  o.attacks = {"deepfool"};
  o.norm = "l2";
  o.eps = {0.3, 0.6, 0.9, 1.2};
  o.individual = true;
  o.checks = false;
  std::ostringstream log;
  o.progress = &log;
  auto ev = eval::evaluate_robustness(*trained.model, data, o);
  size_t reused = 0;
  for (auto at = log.str().find("no new search"); at != std::string::npos; at = log.str().find("no new search", at + 1))
    ++reused;
  EXPECT_EQ(reused, o.eps.size() - 1) << log.str();
  auto correct = ev.correct();
  for (size_t e = 0; e < ev.per_eps.size(); ++e) {
    const auto& at = ev.per_eps[e];
    auto within = correct & ~outside_ball(ev.smallest_distance, at.eps);
    EXPECT_TRUE(at.stages[0].broken.equal(within)) << "eps " << at.eps;
    if (e > 0) {
      EXPECT_LE(at.robust_accuracy(), ev.per_eps[e - 1].robust_accuracy());
    }
  }
  EXPECT_GT(ev.per_eps.back().stages[0].broken.sum().item<int64_t>(),
            ev.per_eps.front().stages[0].broken.sum().item<int64_t>());
}

}  // namespace
}  // namespace advlab
