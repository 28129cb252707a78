// advlab eval's engine: worst case per sample over a suite, reports that agree with the
// saved adversarials, and a standard model far less robust than an adversarially
// trained one.
#include "advlab/attacks/registry.h"
#include "advlab/core/error.h"
#include "advlab/eval/attack_suite.h"
#include "advlab/eval/evaluation_report.h"
#include "advlab/eval/robustness_evaluation.h"
#include "advlab/io/json_file.h"
#include "advlab/io/tensor_file.h"
#include "advlab/threat/threat_model.h"
#include "support/temp_dir.h"
#include "support/trained_models.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

namespace advlab {
namespace {

eval::EvaluationOptions quick_options() {
  eval::EvaluationOptions o;
  o.attacks = eval::resolve_suite("quick", "linf");
  o.eps = {0.1, 0.05, 0.2};  // deliberately unsorted
  o.individual = true;
  o.checks = false;
  o.seed = 4;
  return o;
}

TEST(RobustnessEvaluation, WorstCaseIsBelowEveryAttackAndTheRobustModelWins) {
  if (!testing::fashion_mnist_available()) GTEST_SKIP() << "Fashion-MNIST not installed";
  const auto& standard = testing::fashion_cnn();
  const auto& robust = testing::fashion_robust_cnn();
  auto data = standard.test.head(150);
  auto ev_standard = eval::evaluate_robustness(*standard.model, data, quick_options());
  auto ev_robust = eval::evaluate_robustness(*robust.model, data, quick_options());

  for (const auto* ev : {&ev_standard, &ev_robust}) {
    ASSERT_EQ(ev->per_eps.size(), 3u);
    EXPECT_DOUBLE_EQ(ev->per_eps[0].eps, 0.05);  // sorted
    for (const auto& at : ev->per_eps) {
      for (size_t k = 0; k < at.stages.size(); ++k) {
        EXPECT_LE(at.robust_accuracy(), at.robust_accuracy_of(k) + 1e-12) << at.stages[k].attack;
        EXPECT_LE(at.robust_accuracy(), at.robust_accuracy_after(k) + 1e-12);
      }
      EXPECT_LE(at.robust_accuracy(), ev->clean_accuracy());
    }
    for (size_t e = 1; e < ev->per_eps.size(); ++e)
      EXPECT_LE(ev->per_eps[e].robust_accuracy(), ev->per_eps[e - 1].robust_accuracy());
  }
  // At eps 0.1 the standard CNN is nearly always broken, the fgsm-rs one mostly not.
  EXPECT_LT(ev_standard.per_eps[1].robust_accuracy(), 0.15);
  EXPECT_GT(ev_robust.per_eps[1].robust_accuracy(), ev_standard.per_eps[1].robust_accuracy() + 0.3);
}

TEST(RobustnessEvaluation, ReportNumbersMatchTheSavedAdversarials) {
  if (!testing::fashion_mnist_available()) GTEST_SKIP() << "Fashion-MNIST not installed";
  const auto& trained = testing::fashion_cnn();
  auto data = trained.test.head(100);
  auto options = quick_options();
  options.individual = false;
  auto ev = eval::evaluate_robustness(*trained.model, data, options);
  testing::TempDir dir;
  eval::write_evaluation_report(dir.path().string(), ev, data, {trained.path, "fashion-mnist:test"});

  auto report = io::read_json((dir.path() / "report.json").string());
  EXPECT_EQ(report["n"].get<int64_t>(), 100);
  EXPECT_EQ(report["seed"].get<uint64_t>(), 4u);
  EXPECT_FALSE(report["model"]["crc32"].is_null());
  auto linf = make_threat_model("linf");
  for (const auto& r : report["results"]) {
    double eps = r["eps"].get<double>();
    auto saved = io::load_tensors((dir.path() / r["adversarials"].get<std::string>()).string());
    torch::Tensor adv, labels;
    for (auto& [name, t] : saved) {
      if (name == "adversarials") adv = t;
      if (name == "labels") labels = t;
    }
    ASSERT_TRUE(adv.defined() && labels.defined());
    EXPECT_LE(linf->distance(data.images, adv).max().item<double>(), eps * (1 + 1e-5) + 1e-6);
    EXPECT_GE(adv.min().item<double>(), 0.0);
    EXPECT_LE(adv.max().item<double>(), 1.0);
    double recomputed = (trained.model->predict(adv) == labels).to(torch::kDouble).mean().item<double>();
    EXPECT_NEAR(recomputed, r["robust_accuracy"].get<double>(), 1e-9) << "eps " << eps;
    // Cumulative robust accuracy after the last attack is the worst case.
    EXPECT_NEAR(r["attacks"].back()["robust_accuracy_after"].get<double>(), r["robust_accuracy"].get<double>(), 1e-12);
  }
}

TEST(AttackSuite, ResolvesNamedAndExplicitSuites) {
  EXPECT_EQ(eval::resolve_suite("quick", "linf"), (std::vector<std::string>{"fgsm", "pgd"}));
  EXPECT_EQ(eval::resolve_suite("pgd,fgsm", "l2"), (std::vector<std::string>{"pgd", "fgsm"}));
  EXPECT_THROW(eval::resolve_suite("no-such-attack", "linf"), Error);
  EXPECT_THROW(eval::resolve_suite("pgd", "l0"), Error);  // pgd has no L0 version
  auto full = eval::resolve_suite("full", "linf");
  EXPECT_GE(full.size(), 2u);
}

// `standard` is AutoAttack's recipe with its budgets; `standard-fast` the same attacks cheaper.
TEST(AttackSuite, StandardCarriesAutoAttacksBudgets) {
  const std::vector<std::string> recipe{"apgd-ce", "apgd-t", "fab-t", "square"};
  EXPECT_EQ(eval::resolve_suite("standard", "linf"), recipe);
  EXPECT_EQ(eval::resolve_suite("standard-fast", "linf"), recipe);
  auto standard = eval::suite_budgets("standard");
  EXPECT_EQ(standard.queries, 5000);
  EXPECT_EQ(standard.attack_options.at("fab-t").at("steps"), "100");
  // The attacks' own defaults give the rest of the recipe.
  EXPECT_EQ(make_attack("apgd-ce", {{"eps", "0.1"}})->params()["steps"], 100);
  EXPECT_EQ(make_attack("apgd-t", {{"eps", "0.1"}})->params()["target_classes"], 9);
  EXPECT_EQ(make_attack("fab-t", {{"eps", "0.1"}})->params()["target_classes"], 9);
  auto fast = eval::suite_budgets("standard-fast");
  EXPECT_EQ(fast.queries, 0);
  EXPECT_EQ(fast.attack_options.at("fab-t").at("steps"), "20");
  EXPECT_EQ(fast.attack_options.size(), 1u);
  // At L1, AutoAttack's L1 recipe: the same four attacks, APGD with more runs, fewer targets.
  EXPECT_EQ(eval::resolve_suite("standard", "l1"), recipe);
  auto l1 = eval::suite_budgets("standard", "l1");
  EXPECT_EQ(l1.attack_options.at("apgd-ce").at("restarts"), "5");
  EXPECT_EQ(l1.attack_options.at("apgd-t").at("target_classes"), "5");
  EXPECT_EQ(l1.attack_options.at("fab-t").at("steps"), "100");
  EXPECT_TRUE(make_attack("apgd-ce", {{"eps", "8"}, {"norm", "l1"}})->params()["large_eps"].get<bool>());
  EXPECT_EQ(eval::suite_budgets("standard", "l2").attack_options.count("apgd-ce"), 0u);
}

// `rapid` is MALT's recipe: APGD-CE, then APGD-T towards the 3 nearest classes only.
TEST(AttackSuite, RapidAimsApgdTAtTheNearestClasses) {
  const std::vector<std::string> recipe{"apgd-ce", "apgd-t"};
  EXPECT_EQ(eval::resolve_suite("rapid", "linf"), recipe);
  EXPECT_EQ(eval::resolve_suite("rapid", "l2"), recipe);
  auto rapid = eval::suite_budgets("rapid");
  EXPECT_EQ(rapid.queries, 0);
  EXPECT_EQ(rapid.attack_options.at("apgd-t").at("target_order"), "malt");
  EXPECT_EQ(rapid.attack_options.at("apgd-t").at("target_classes"), "3");
}

TEST(RobustnessEvaluation, RejectsBadOptions) {
  if (!testing::fashion_mnist_available()) GTEST_SKIP() << "Fashion-MNIST not installed";
  const auto& trained = testing::fashion_cnn();
  auto options = quick_options();
  options.eps = {-0.1};
  EXPECT_THROW(eval::evaluate_robustness(*trained.model, trained.test.head(4), options), Error);
  options = quick_options();
  options.attacks = {};
  EXPECT_THROW(eval::evaluate_robustness(*trained.model, trained.test.head(4), options), Error);
  options = quick_options();
  options.attack_options["pgd"]["stepz"] = "3";
  EXPECT_THROW(eval::evaluate_robustness(*trained.model, trained.test.head(4), options), Error);
}

}  // namespace
}  // namespace advlab
