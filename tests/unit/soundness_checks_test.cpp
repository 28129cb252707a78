// Each soundness check fires on a model or result built to trigger it, and stays quiet
// on a sound one.
#include "advlab/attacks/attack.h"
#include "advlab/attacks/registry.h"
#include "advlab/criteria/criterion.h"
#include "advlab/eval/attack_suite.h"
#include "advlab/eval/soundness_checks.h"
#include "advlab/threat/lp_norms.h"
#include "support/trained_models.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

namespace advlab {
namespace {

// A linear model z = W f(x) + b whose forward pass applies `body` (TorchScript) first.
std::shared_ptr<TorchScriptClassifier> linear_with(const std::string& features, bool softmax = false) {
  torch::manual_seed(3);
  torch::jit::Module m("__torch__.advlab_test.Special");
  m.register_parameter("weight", torch::randn({3, 16}), false);
  m.register_parameter("bias", torch::randn({3}) * 0.1, false);
  std::string z = "torch.linear(" + features + ", self.weight, self.bias)";
  m.define("def forward(self, x):\n    return " + (softmax ? "torch.softmax(" + z + ", 1)" : z) + "\n");
  return std::make_shared<TorchScriptClassifier>(m);
}

data::Dataset random_data(int64_t n = 32) {
  data::Dataset d;
  d.images = torch::rand({n, 1, 4, 4}, at::detail::createCPUGenerator(1));
  d.labels = torch::randint(3, {n}, at::detail::createCPUGenerator(2));
  d.num_classes = 3;
  return d;
}

bool fired(const std::vector<eval::SoundnessWarning>& warnings, const std::string& check) {
  for (const auto& w : warnings)
    if (w.check == check) return true;
  return false;
}

TEST(SoundnessChecks, SoundLinearModelRaisesNothing) {
  auto model = linear_with("x.flatten(1)");
  EXPECT_TRUE(eval::check_model(*model, random_data(), "linf").empty());
}

TEST(SoundnessChecks, SoftmaxOutputsAreFlagged) {
  auto model = linear_with("x.flatten(1)", /*softmax=*/true);
  EXPECT_TRUE(fired(eval::check_model(*model, random_data(), "linf"), "probability-outputs"));
}

TEST(SoundnessChecks, DropoutLeftOnIsFlagged) {
  auto model = linear_with("torch.dropout(x.flatten(1), 0.5, True)");
  EXPECT_TRUE(fired(eval::check_model(*model, random_data(), "linf"), "randomised-model"));
}

TEST(SoundnessChecks, StepFunctionGradientMaskingIsFlagged) {
  auto model = linear_with("torch.round(x.flatten(1) * 4.0) / 4.0");
  EXPECT_TRUE(fired(eval::check_model(*model, random_data(), "linf"), "zero-gradients"));
}

eval::AttackStage stage(const std::string& family, std::vector<bool> attacked, std::vector<bool> broken) {
  auto to_tensor = [](const std::vector<bool>& v) {
    auto t = torch::zeros({static_cast<int64_t>(v.size())}, torch::kBool);
    for (size_t i = 0; i < v.size(); ++i) t[i] = static_cast<bool>(v[i]);
    return t;
  };
  eval::AttackStage s;
  s.attack = family == "white-box" ? "pgd" : "square";
  s.family = family;
  s.attacked = to_tensor(attacked);
  s.broken = to_tensor(broken);
  s.silent_failures = torch::zeros({static_cast<int64_t>(attacked.size())}, torch::kBool);
  return s;
}

eval::EpsEvaluation eps_result(double eps, std::vector<eval::AttackStage> stages) {
  eval::EpsEvaluation at;
  at.eps = eps;
  at.correct = torch::ones({4}, torch::kBool);
  at.robust = at.correct.clone();
  for (const auto& s : stages) at.robust &= ~s.broken;
  at.stages = std::move(stages);
  return at;
}

TEST(SoundnessChecks, ResultChecksFireOnTheirPatternsOnly) {
  eval::RobustnessEvaluation sound;
  sound.per_eps.push_back(eps_result(0.1, {stage("white-box", {1, 1, 1, 1}, {1, 0, 0, 0}),
                                           stage("black-box", {0, 1, 1, 1}, {0, 0, 0, 0})}));
  sound.per_eps.push_back(eps_result(0.2, {stage("white-box", {1, 1, 1, 1}, {1, 1, 0, 0}),
                                           stage("black-box", {0, 0, 1, 1}, {0, 0, 0, 0})}));
  EXPECT_TRUE(eval::check_results(sound).empty());

  auto masked = sound;  // square breaks a sample pgd tried and missed
  masked.per_eps[0].stages[1].broken[2] = true;
  EXPECT_TRUE(fired(eval::check_results(masked), "black-box-beats-white-box"));

  auto non_monotone = sound;  // more samples survive the larger budget
  non_monotone.per_eps[1] = eps_result(0.2, {stage("white-box", {1, 1, 1, 1}, {0, 0, 0, 0})});
  EXPECT_TRUE(fired(eval::check_results(non_monotone), "non-monotone-eps"));

  auto silent = sound;
  silent.per_eps[0].stages[0].silent_failures[3] = true;
  EXPECT_TRUE(fired(eval::check_results(silent), "silent-success"));
}

// Queries an adversarial inside the budget, then returns the clean input.
class ForgetfulAttack : public Attack {
 public:
  ForgetfulAttack() : Attack("forgetful", Budget::of("linf", 0.5)) {}
  nlohmann::json options_json() const override { return nlohmann::json::object(); }

 protected:
  torch::Tensor perturb(AttackContext& context, const torch::Tensor& x, const Criterion& criterion) override {
    auto found = context.loss_gradient(x, CrossEntropyLoss(), criterion);
    auto adv = context.bounds().clip(x + 0.5 * found.grad.sign());
    context.logits(adv);
    return x;
  }
};

TEST(SoundnessChecks, AttackRunFlagsAnAdversarialSeenButNotReturned) {
  auto model = linear_with("x.flatten(1)");
  auto data = random_data();
  Misclassification criterion(model->predict(data.images));
  auto forgetful = ForgetfulAttack().run(*model, data.images, criterion);
  EXPECT_GT(forgetful.silent_failure.sum().item<int64_t>(), 0);
  EXPECT_FALSE(forgetful.success.any().item<bool>());
  auto pgd = make_attack("pgd", {{"eps", "0.5"}})->run(*model, data.images, criterion);
  EXPECT_GT(pgd.success.sum().item<int64_t>(), 0);
  EXPECT_FALSE(pgd.silent_failure.any().item<bool>());
}

TEST(SoundnessChecks, AWeakSuiteIsCaughtByLongerAndRestartedPgd) {
  if (!testing::fashion_mnist_available()) GTEST_SKIP() << "Fashion-MNIST not installed";
  const auto& trained = testing::fashion_cnn();
  auto data = trained.test.head(100);
  eval::EvaluationOptions options;
  options.attacks = {"fgsm"};
  options.eps = {0.05};
  options.checks = false;
  auto ev = eval::evaluate_robustness(*trained.model, data, options);
  ASSERT_GT(ev.per_eps[0].robust.sum().item<int64_t>(), 0) << "FGSM left no survivors to test with";
  auto warnings = eval::check_with_extra_attacks(*trained.model, data, ev);
  EXPECT_TRUE(fired(warnings, "incomplete-optimisation"));
  EXPECT_TRUE(fired(warnings, "restarts-succeed"));
  // The unbounded check's single FMN run still breaks every sample of a model that does
  // not mask its gradients: no false alarm.
  EXPECT_FALSE(fired(warnings, "unbounded-short"));
}

TEST(SoundnessChecks, UnboundedAttackShortOfFullSuccessOnAMaskedModel) {
  bool have_minimum_norm = false;
  for (const auto& spec : attack_registry()) have_minimum_norm |= spec.minimum_norm;
  if (!have_minimum_norm) GTEST_SKIP() << "no minimum-norm attack registered";
  auto model = linear_with("torch.round(x.flatten(1) * 4.0) / 4.0");
  auto data = random_data();
  data.labels = model->predict(data.images);  // every sample correct
  eval::EvaluationOptions options;
  options.attacks = {"fgsm"};
  options.eps = {0.05};
  options.checks = false;
  auto ev = eval::evaluate_robustness(*model, data, options);
  EXPECT_TRUE(fired(eval::check_with_extra_attacks(*model, data, ev), "unbounded-short"));
}

}  // namespace
}  // namespace advlab
