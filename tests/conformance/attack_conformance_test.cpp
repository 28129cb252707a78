// Every registered attack, every norm it supports, untargeted and targeted, in two worlds
// (the trained CNN on [0, 1] inputs, and the same network behind mean/std preprocessing
// on [-1, 1] inputs, where a hard-coded unit range would show), must keep the contract: outputs inside bounds and the eps-ball for every sample, success flags
// equal to a fresh forward pass, targeted successes hit the target, same seed same
// result ([0, 1] world), and the model's parameters and mode untouched.
#include "advlab/attacks/registry.h"
#include "advlab/core/error.h"
#include "advlab/criteria/criterion.h"
#include "advlab/criteria/target_selection.h"
#include "advlab/threat/mask.h"
#include "advlab/threat/threat_model.h"
#include "support/attack_fixtures.h"
#include "support/trained_models.h"

#include <ATen/CPUGeneratorImpl.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cctype>
#include <fstream>
#include <set>

namespace advlab {
namespace {

struct Case {
  std::string attack, norm;
  bool targeted;
  bool symmetric;  // inputs in [-1, 1], normalised inside the classifier
};

void PrintTo(const Case& c, std::ostream* os) {
  *os << c.attack << " " << c.norm << (c.targeted ? " targeted" : " untargeted")
      << (c.symmetric ? " [-1,1]" : " [0,1]");
}

std::string case_name(const ::testing::TestParamInfo<Case>& info) {
  auto name = info.param.attack + "_" + info.param.norm + (info.param.targeted ? "_targeted" : "_untargeted") +
              (info.param.symmetric ? "_symmetric" : "");
  // gtest names allow only letters, digits and '_' (attack names may contain '-').
  for (auto& ch : name)
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  return name;
}

std::vector<Case> all_cases(bool symmetric) {
  std::vector<Case> cases;
  for (const auto& spec : attack_registry())
    for (const auto& norm : spec.norms) {
      cases.push_back({spec.name, norm, false, symmetric});
      if (spec.targeted) cases.push_back({spec.name, norm, true, symmetric});
    }
  return cases;
}

constexpr int64_t kQueryBudget = 300;
// Samples per case: every check holds per sample, and 16 keep the 240-odd cases (each
// runs its attack twice in the [0, 1] world, once in the other) within a few minutes of the suite.
constexpr int64_t kSamples = 16;

// Budgets for [0, 1] inputs; `range` scales them to other bounds (L0 counts pixels).
double budget(const std::string& norm, double range = 1.0) {
  if (norm == "linf") return 0.1 * range;
  if (norm == "l2") return 1.5 * range;
  if (norm == "l1") return 15.0 * range;
  return 20.0;  // l0: pixels
}

// The trained CNN seen through inputs in [-1, 1]: x -> (x + 1) / 2 inside the classifier
// gives the network exactly the [0, 1] images it was trained on.
TorchScriptClassifier& symmetric_cnn() {
  static TorchScriptClassifier model = [] {
    ClassifierOptions o;
    o.bounds = Bounds{-1.0, 1.0};
    o.mean = {-1.0};
    o.std = {2.0};
    return TorchScriptClassifier(testing::fashion_cnn().model->module(), o);
  }();
  return model;
}

std::vector<torch::Tensor> snapshot(torch::jit::Module& m) {
  std::vector<torch::Tensor> out;
  for (const auto& p : m.parameters()) out.push_back(p.detach().clone());
  return out;
}

class AttackConformance : public ::testing::TestWithParam<Case> {};

TEST_P(AttackConformance, KeepsTheContract) {
  if (!testing::fashion_mnist_available()) GTEST_SKIP() << "Fashion-MNIST not installed";
  const auto& c = GetParam();
  const auto& trained = testing::fashion_cnn();
  Classifier& model = c.symmetric ? static_cast<Classifier&>(symmetric_cnn()) : *trained.model;
  auto& module = trained.model->module();
  auto x = trained.test.images.narrow(0, 0, kSamples);
  if (c.symmetric) x = x * 2 - 1;
  const auto bounds = model.bounds();
  auto labels = trained.test.labels.narrow(0, 0, kSamples);
  double eps = budget(c.norm, bounds.upper - bounds.lower);

  std::shared_ptr<Criterion> criterion;
  if (c.targeted) {
    auto gen = at::detail::createCPUGenerator(3);
    auto targets = choose_targets(TargetSelection{}, labels, {}, 10, gen);
    criterion = std::make_shared<TargetedMisclassification>(targets);
  } else {
    criterion = std::make_shared<Misclassification>(labels);
  }

  auto before = snapshot(module);
  module.train(true);  // the attack must neither rely on nor change the mode
  const auto& spec = find_attack(c.attack);
  std::map<std::string, std::string> options = {{"norm", c.norm}, {"eps", c10::str(eps)}};
  // A small query budget keeps black-box cases fast; the contract is the same.
  if (spec.family == "black-box") options["queries"] = std::to_string(kQueryBudget);
  for (const auto& [key, value] : testing::attack_fixture_options(c.attack, c.norm)) options[key] = value;
  // The contract holds at any step count: the costliest defaults are cut here (sigma-zero
  // 1000 steps to 100; ALMA, PDPGD and DDN, which also sweep targets below, to 50 per run).
  if (c.attack == "sigma-zero") options["steps"] = "100";
  if (c.attack == "alma" || c.attack == "pdpgd" || c.attack == "ddn") options["steps"] = "50";
  // C&W 9 x 100 steps, EAD 3 x 100 per run, FAB 100 iterations: 3 (EAD 2) x 50 and 20 here.
  if (c.attack == "cw" || c.attack == "ead") {
    options["steps"] = "50";
    options["search_steps"] = c.attack == "ead" ? "2" : "3";  // EAD sweeps targets too
  }
  if (c.attack == "fab" || c.attack == "fab-t") options["n_iter"] = "20";
  // The minimum-norm target sweeps (FMN, DDN 9 targets, ALMA 4, PDPGD, DeepFool and
  // SparseFool 3, EAD 2): 1 target here still goes through the sweep.
  if (c.attack == "fmn" || c.attack == "ddn" || c.attack == "alma" || c.attack == "pdpgd" || c.attack == "ead" ||
      c.attack == "deepfool" || c.attack == "sparsefool")
    options["target_classes"] = "1";
  // RP2's default 16 views per step: 4 here (its placed stickers stay the default).
  if (c.attack == "rp2") options["samples"] = "4";
  auto attack = make_attack(c.attack, options);
  auto result = attack->run(model, x, *criterion, 5);
  EXPECT_TRUE(module.is_training());
  module.eval();
  auto after = snapshot(module);
  for (size_t i = 0; i < before.size(); ++i) EXPECT_TRUE(torch::equal(before[i], after[i]));

  ASSERT_EQ(result.adversarials.sizes(), x.sizes());
  EXPECT_TRUE(torch::isfinite(result.adversarials).all().item<bool>());
  EXPECT_GE(result.adversarials.min().item<double>(), bounds.lower);
  EXPECT_LE(result.adversarials.max().item<double>(), bounds.upper);
  auto distance = make_threat_model(c.norm)->distance(x, result.adversarials);
  for (int64_t i = 0; i < x.size(0); ++i)
    EXPECT_LE(distance[i].item<double>(), eps * (1 + 1e-5) + 1e-5) << "sample " << i;

  if (auto mask = attack->mask(); mask.defined()) {
    auto kept = unchanged_outside(x, result.adversarials, mask);
    for (int64_t i = 0; i < x.size(0); ++i)
      EXPECT_TRUE(kept[i].item<bool>()) << "sample " << i << " changed outside the mask";
  }

  torch::NoGradGuard no_grad;
  auto fresh = model.logits(result.adversarials);
  EXPECT_TRUE(torch::equal(result.success, criterion->is_adversarial(fresh)));
  EXPECT_TRUE(torch::equal(result.predictions, fresh.argmax(1)));
  if (c.targeted) {
    auto hit = result.predictions == criterion->classes();
    EXPECT_TRUE(torch::equal(result.success, hit));
  }
  // Untargeted at these budgets every attack must break something; a single step
  // towards one chosen class (targeted FGSM) may legitimately fail everywhere.
  if (!c.targeted) {
    EXPECT_GT(result.success.sum().item<int64_t>(), 0) << "the attack never succeeded";
  }
  EXPECT_TRUE((result.queries >= 1).all().item<bool>());
  if (spec.family == "black-box") {
    EXPECT_LE(result.queries.max().item<int64_t>(), kQueryBudget) << "query budget exceeded";
    EXPECT_TRUE((result.gradients == 0).all().item<bool>()) << "a black-box attack took gradients";
  }
  if (spec.minimum_norm) {
    ASSERT_TRUE(result.minimum_distance.defined()) << "minimum-norm attack without minimum_distance";
    // A verified adversarial within eps must be reported as a success, and a success
    // has its smallest adversarial within eps (up to round-off).
    auto within = result.minimum_distance <= eps * (1 - 1e-4);
    EXPECT_TRUE((result.success | ~within).all().item<bool>());
    auto beyond = result.minimum_distance > eps * (1 + 1e-4) + 1e-5;
    EXPECT_FALSE((result.success & beyond).any().item<bool>())
        << "success reported with minimum_distance > eps: " << result.minimum_distance;
  }

  // Same seed, same result: checked in the [0, 1] world only. The second run doubles a
  // case's cost, and whether a seed is honoured does not depend on the bounds (CI time).
  if (c.symmetric) return;
  auto again = make_attack(c.attack, options)->run(model, x, *criterion, 5);
  EXPECT_TRUE(torch::equal(result.adversarials, again.adversarials)) << "same seed, different result";
}

// One suite per world, so that a run can select a world by name (ci-python.sh runs the
// [0, 1] world only against the PyPI LibTorch).
INSTANTIATE_TEST_SUITE_P(Registry, AttackConformance, ::testing::ValuesIn(all_cases(false)), case_name);
INSTANTIATE_TEST_SUITE_P(SymmetricBounds, AttackConformance, ::testing::ValuesIn(all_cases(true)), case_name);

TEST(AttackContract, RejectsInputsOutsideBoundsAndNaN) {
  if (!testing::fashion_mnist_available()) GTEST_SKIP() << "Fashion-MNIST not installed";
  auto& model = *testing::fashion_cnn().model;
  auto attack = make_attack("pgd", {{"eps", "0.1"}});
  auto labels = torch::zeros({2}, torch::kLong);
  EXPECT_THROW(attack->run(model, torch::full({2, 1, 28, 28}, 1.5), Misclassification(labels)), Error);
  auto nan_input = torch::zeros({2, 1, 28, 28});
  nan_input[0][0][0][0] = std::numeric_limits<float>::quiet_NaN();
  EXPECT_THROW(attack->run(model, nan_input, Misclassification(labels)), Error);
  EXPECT_THROW(make_attack("pgd", {{"eps", "-0.1"}}), Error);
  EXPECT_THROW(make_attack("pgd", {{"eps", "0.1"}, {"stepz", "3"}}), Error);
  EXPECT_THROW(make_attack("no-such-attack", {}), Error);
}

}  // namespace
}  // namespace advlab

namespace advlab {
namespace {

TEST(AttackDocs, EveryRegisteredAttackHasADocPage) {
  for (const auto& spec : attack_registry()) {
    auto path = std::string(ADVLAB_SOURCE_DIR) + "/docs/attacks/" + spec.name + ".md";
    EXPECT_TRUE(std::ifstream(path).good()) << "missing " << path;
    EXPECT_FALSE(spec.help.empty()) << spec.name;
    EXPECT_FALSE(spec.norms.empty()) << spec.name;
  }
}

// The options a doc page documents: the `names` in the first cell of table rows that
// start with one ("| `min_scale`, `max_scale` | ..."); command-line flags (`--x`) aside.
std::set<std::string> documented_options(const std::string& path) {
  std::ifstream in(path);
  std::set<std::string> names;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("| `", 0) != 0) continue;
    auto cell = line.substr(1, line.find('|', 1) - 1);
    for (size_t open = cell.find('`'); open != std::string::npos; open = cell.find('`', open + 1)) {
      auto close = cell.find('`', open + 1);
      if (close == std::string::npos) break;
      auto name = cell.substr(open + 1, close - open - 1);
      if (!name.empty() && name[0] != '-') names.insert(name);
      open = close;
    }
  }
  return names;
}

// Each doc page lists exactly the parameters of the attack's table, so the docs cannot
// drift from what the attack accepts.
TEST(AttackDocs, EveryDocPageListsExactlyTheTablesParameters) {
  for (const auto& spec : attack_registry()) {
    auto documented = documented_options(std::string(ADVLAB_SOURCE_DIR) + "/docs/attacks/" + spec.name + ".md");
    std::set<std::string> table, accepted;  // accepted: names and their aliases
    for (const auto& p : spec.params) {
      table.insert(p.name);
      accepted.insert(p.name);
      accepted.insert(p.aliases.begin(), p.aliases.end());
    }
    for (const auto& name : table) EXPECT_TRUE(documented.count(name)) << spec.name << ": '" << name << "' not documented";
    for (const auto& name : documented)
      EXPECT_TRUE(accepted.count(name)) << spec.name << ": documents '" << name << "', not an option";
  }
}

}  // namespace
}  // namespace advlab
