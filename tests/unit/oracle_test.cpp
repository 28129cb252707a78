// The black-box Oracle: it counts every forward pass against the sample it belongs to,
// enforces the per-sample budget (batches that repeat a sample included), refuses
// inputs that could carry a gradient, and a label-only oracle gives no scores. Every
// registered black-box attack is checked to stay within its budget, with its reported
// query counts equal to the forward passes the model really ran.
#include "advlab/attacks/blackbox/black_box_attack.h"
#include "advlab/attacks/registry.h"
#include "advlab/core/error.h"
#include "advlab/criteria/criterion.h"
#include "support/linear_model.h"

#include <ATen/CPUGeneratorImpl.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

namespace advlab {
namespace {

// Wraps a classifier and counts the rows it evaluates, each credited to the nearest of
// `anchors` (the clean samples, far apart compared with any query the attacks make).
class RowCountingClassifier : public Classifier {
 public:
  RowCountingClassifier(std::shared_ptr<Classifier> inner, const torch::Tensor& anchors)
      : inner_(std::move(inner)), anchors_(flat(anchors).clone()), counts_(torch::zeros({anchors.size(0)}, torch::kLong)) {}

  torch::Tensor logits(const torch::Tensor& x) override {
    if (x.size(0) > 0) {
      auto owner = torch::cdist(flat(x.detach()).to(torch::kFloat32), anchors_).argmin(1);
      counts_.index_add_(0, owner, torch::ones({x.size(0)}, torch::kLong));
      rows_ += x.size(0);
    }
    return inner_->logits(x);
  }
  Bounds bounds() const override { return inner_->bounds(); }
  torch::Device device() const override { return inner_->device(); }
  int64_t num_classes() const override { return inner_->num_classes(); }

  const torch::Tensor& counts() const { return counts_; }
  int64_t rows() const { return rows_; }
  void reset() {
    counts_.zero_();
    rows_ = 0;
  }

 private:
  std::shared_ptr<Classifier> inner_;
  torch::Tensor anchors_, counts_;
  int64_t rows_ = 0;
};

// Three classes over 4x4 images whose pixels are 0.2 or 0.8 (distinct patterns, so
// samples lie >= 0.6 apart in L2), with margins of various sizes.
struct OracleProblem {
  torch::Tensor x, labels;
  std::shared_ptr<TorchScriptClassifier> linear;
};

OracleProblem make_oracle_problem(int64_t n = 12) {
  torch::manual_seed(11);
  OracleProblem p;
  auto patterns = torch::randperm(1 << 16, torch::kLong).narrow(0, 0, n);
  auto powers = torch::pow(2, torch::arange(16, torch::kLong));
  auto bits = torch::div(patterns.unsqueeze(1), powers, "floor").remainder(2);
  p.x = (0.2 + 0.6 * bits.to(torch::kFloat32)).view({n, 1, 4, 4});
  auto weight = torch::randn({3, 16}) * 0.8;
  auto bias = torch::zeros({3});
  p.linear = testing::make_linear_classifier(weight, bias);
  p.labels = p.linear->logits(p.x).argmax(1).detach();
  return p;
}

// A test attack that asks sample i exactly i + 1 questions, in batches of varying rows.
class StaircaseAttack : public BlackBoxAttack {
 public:
  StaircaseAttack() : BlackBoxAttack("staircase", 0.0, "linf", OracleOutput::kProbabilities, 0) {}
  nlohmann::json options_json() const override { return {}; }

 protected:
  torch::Tensor attack(Oracle& oracle, const torch::Tensor& x, const Criterion&) override {
    for (int64_t round = 0; round < x.size(0); ++round) {
      auto rows = torch::arange(round, x.size(0), torch::kLong);
      oracle.scores(x.index_select(0, rows), rows);
    }
    return x;
  }
};

TEST(Oracle, CountsEveryForwardPassAgainstItsOwnSample) {
  auto p = make_oracle_problem();
  RowCountingClassifier model(p.linear, p.x);
  StaircaseAttack attack;
  auto result = attack.run(model, p.x, Misclassification(p.labels));
  // The clean check, i + 1 queries, and the base class's final verification pass.
  auto expected = torch::arange(2, p.x.size(0) + 2, torch::kLong);
  EXPECT_TRUE(torch::equal(result.queries, expected)) << result.queries;
  EXPECT_TRUE(torch::equal(model.counts(), expected + 1)) << model.counts();
}

// Attacks that cheat or overspend, to see the oracle stop them.
class MisbehavingAttack : public BlackBoxAttack {
 public:
  enum class Kind { kGradientOfInput, kGradientOfPerturbation, kOverspend, kRepeatedRows };
  MisbehavingAttack(Kind kind, OracleOutput output = OracleOutput::kLogits)
      : BlackBoxAttack("misbehaving", 0.1, "linf", output, 5), kind_(kind) {}
  nlohmann::json options_json() const override { return {}; }

 protected:
  torch::Tensor attack(Oracle& oracle, const torch::Tensor& x, const Criterion&) override {
    torch::AutoGradMode grad_on(true);  // a determined cheat turns autograd back on
    switch (kind_) {
      case Kind::kGradientOfInput: {
        auto input = x.clone().requires_grad_(true);
        oracle.scores(input).sum().backward();
        return x + 0.1 * input.grad().sign();
      }
      case Kind::kGradientOfPerturbation: {
        auto delta = torch::zeros_like(x).requires_grad_(true);
        oracle.scores(x + delta).sum().backward();
        return x + 0.1 * delta.grad().sign();
      }
      case Kind::kOverspend:
        for (;;) oracle.scores(x);
      case Kind::kRepeatedRows: {
        // 4 queries spent (clean check + 3); one left, but this batch asks two per sample.
        for (int i = 0; i < 3; ++i) oracle.scores(x);
        auto rows = torch::arange(x.size(0), torch::kLong);
        oracle.scores(torch::cat({x, x}), torch::cat({rows, rows}));
        return x;
      }
    }
    return x;
  }

 private:
  Kind kind_;
};

TEST(Oracle, AnAttackThatTakesAGradientThroughTheOracleFailsLoudly) {
  auto p = make_oracle_problem();
  for (auto kind : {MisbehavingAttack::Kind::kGradientOfInput, MisbehavingAttack::Kind::kGradientOfPerturbation}) {
    MisbehavingAttack attack(kind);
    EXPECT_THROW(attack.run(*p.linear, p.x, Misclassification(p.labels)), Error);
  }
}

TEST(Oracle, AQueryPastTheBudgetThrowsEvenWhenABatchRepeatsSamples) {
  auto p = make_oracle_problem();
  try {
    MisbehavingAttack(MisbehavingAttack::Kind::kOverspend).run(*p.linear, p.x, Misclassification(p.labels));
    FAIL() << "no error past the budget";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("budget of 5"), std::string::npos) << e.what();
  }
  EXPECT_THROW(MisbehavingAttack(MisbehavingAttack::Kind::kRepeatedRows).run(*p.linear, p.x, Misclassification(p.labels)),
               Error);
}

TEST(Oracle, LabelOnlyOracleRefusesScoresButAnswersLabels) {
  auto p = make_oracle_problem(4);
  const int64_t n = p.x.size(0);
  AttackContext context(*p.linear, at::detail::createCPUGenerator(0), torch::arange(n), n);
  Oracle oracle(context, OracleOutput::kLabel, 3);
  EXPECT_THROW(oracle.scores(p.x), Error);
  EXPECT_TRUE(torch::equal(oracle.labels(p.x), p.labels));
  EXPECT_FALSE(oracle.is_adversarial(p.x, Misclassification(p.labels)).any().item<bool>());
  EXPECT_TRUE(torch::equal(oracle.spent(), torch::full({n}, 2, torch::kLong)));
  EXPECT_TRUE(torch::equal(oracle.remaining(), torch::ones({n}, torch::kLong)));
  EXPECT_EQ(oracle.with_budget(2).numel(), 0);
  EXPECT_THROW(oracle.labels(p.x.clone().requires_grad_(true)), Error);
  // Probabilities are a softmax of the logits.
  Oracle probs(context, OracleOutput::kProbabilities, 0);
  auto s = probs.scores(p.x);
  EXPECT_TRUE(torch::allclose(s.sum(1), torch::ones({n}), 1e-5, 1e-6));
  EXPECT_FALSE(s.requires_grad());
}

// Every black-box attack, every norm, both settings: reported queries equal the real
// forward passes, and no sample costs more than the budget.
TEST(Oracle, EveryBlackBoxAttackReportsItsRealForwardPassesAndKeepsItsBudget) {
  auto p = make_oracle_problem();
  const int64_t n = p.x.size(0);
  RowCountingClassifier model(p.linear, p.x);
  auto gen = at::detail::createCPUGenerator(5);
  auto targets = (p.labels + 1 + at::randint(0, 2, {n}, gen, torch::kLong)) % 3;
  const int64_t budget = 57;  // odd on purpose: no attack's per-iteration cost divides it
  int64_t checked = 0;
  for (const auto& spec : attack_registry()) {
    if (spec.family != "black-box" || !spec.required_options.empty()) continue;
    for (const auto& norm : spec.norms) {
      for (bool targeted : {false, true}) {
        if (targeted && !spec.targeted) continue;
        std::string eps = norm == "linf" ? "0.05" : norm == "l2" ? "0.2" : norm == "l1" ? "0.5" : "2";
        std::map<std::string, std::string> options{{"norm", norm}, {"eps", eps}, {"queries", std::to_string(budget)}};
        if (spec.name == "onepixel") options["population"] = "20";  // its population must fit the budget
        if (spec.name == "transfer") options["substitute"] = "mlp";  // lenet needs >= 12x12 inputs
        auto attack = make_attack(spec.name, options);
        std::shared_ptr<Criterion> criterion = targeted ? std::shared_ptr<Criterion>(std::make_shared<TargetedMisclassification>(targets))
                                                        : std::make_shared<Misclassification>(p.labels);
        model.reset();
        auto result = attack->run(model, p.x, *criterion, 3);
        SCOPED_TRACE(spec.name + " " + norm + (targeted ? " targeted" : ""));
        EXPECT_LE(result.queries.max().item<int64_t>(), budget);
        EXPECT_TRUE((result.gradients == 0).all().item<bool>());
        // The final verification is one more pass per sample (two for minimum-norm).
        int64_t extra = spec.minimum_norm ? 2 : 1;
        EXPECT_EQ(model.rows(), result.queries.sum().item<int64_t>() + extra * n);
        ++checked;
      }
    }
  }
  EXPECT_GT(checked, 0);
}

// For the score-based attacks of this toolkit (whose queries stay near their sample),
// the counts are checked per sample, and a sample left unbroken used its budget.
TEST(Oracle, ScoreAttacksSpendTheirBudgetPerSampleAndStopWhenBroken) {
  auto p = make_oracle_problem();
  RowCountingClassifier model(p.linear, p.x);
  const int64_t budget = 120;
  for (const char* name : {"square", "nes", "spsa", "simba", "zoo"}) {
    for (const char* norm : {"linf", "l2"}) {
      auto attack = make_attack(name, {{"norm", norm}, {"eps", norm == std::string("linf") ? "0.05" : "0.2"},
                                       {"queries", std::to_string(budget)}});
      model.reset();
      auto result = attack->run(model, p.x, Misclassification(p.labels), 1);
      SCOPED_TRACE(std::string(name) + " " + norm);
      EXPECT_TRUE(torch::equal(model.counts(), result.queries + 1)) << model.counts() << result.queries;
      EXPECT_LE(result.queries.max().item<int64_t>(), budget);
      auto failed = (~result.success).nonzero().squeeze(1);
      // The last iteration may not fit: up to one iteration's cost (ZOO: 2*8+1) unused.
      if (failed.numel() > 0) {
        EXPECT_GE(result.queries.index_select(0, failed).min().item<int64_t>(), budget - 33);
      }
      EXPECT_GT(result.success.sum().item<int64_t>(), 0) << "nothing broken: the test would not see early stops";
    }
  }
}

}  // namespace
}  // namespace advlab
