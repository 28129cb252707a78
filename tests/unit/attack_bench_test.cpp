// The AttackBench-style harness: optimality's known answers, and on a linear model, where
// the smallest L2 adversarial is known exactly (|w.x + c| / ||w||), no verified distance
// beats it and the exact attack reaches it.
#include "advlab/core/error.h"
#include "advlab/eval/attack_bench.h"
#include "support/linear_model.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <limits>

namespace advlab {
namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();

TEST(AttackOptimality, KnownAnswers) {
  auto best = torch::tensor({0.0f, 1.0f, 2.0f, 4.0f});
  EXPECT_DOUBLE_EQ(eval::attack_optimality(best, best), 1.0);
  // Finds nothing beyond the clean errors: the area of "robust everywhere".
  EXPECT_NEAR(eval::attack_optimality(torch::tensor({0.0f, kInf, kInf, kInf}), best), 0.0, 1e-12);
  // Areas (mean of min(d, 4)): best 7/4, this attack (0 + 2 + 2 + 4) / 4 = 2, nothing
  // found 3/4 * 4 = 3: optimality 1 - (2 - 1.75) / (3 - 1.75) = 0.8.
  EXPECT_NEAR(eval::attack_optimality(torch::tensor({0.0f, 2.0f, 2.0f, 4.0f}), best), 0.8, 1e-9);
  EXPECT_THROW(eval::attack_optimality(best, torch::tensor({0.0f, kInf, 1.0f, 1.0f})), Error);
}

struct LinearBench {
  std::shared_ptr<TorchScriptClassifier> model;
  data::Dataset data;
  torch::Tensor exact;  // float [N]: the smallest L2 adversarial's distance (0 = misclassified)
};

// Two classes split by w.x + c = 0, points near the middle of the box, so the nearest
// boundary point lies inside [0, 1] and the exact distance is |w.x + c| / ||w||.
LinearBench linear_bench() {
  torch::manual_seed(5);
  const int64_t n = 24, d = 8;
  auto w = torch::randn({d});
  auto x = 0.45 + 0.1 * torch::rand({n, d});
  const double c = -(w * 0.5).sum().item<double>();
  LinearBench b;
  b.model = testing::make_linear_classifier(torch::stack({w, -w}), torch::tensor({c, -c}).to(torch::kFloat));
  auto margin = torch::mv(x, w) + c;
  b.data.images = x.view({n, 1, 2, 4});
  b.data.labels = (margin < 0).to(torch::kLong);
  b.data.labels[0] = 1 - b.data.labels[0];  // one misclassified sample: distance 0
  b.data.num_classes = 2;
  b.exact = (margin.abs() / w.norm()).to(torch::kFloat);
  b.exact[0] = 0;
  return b;
}

TEST(AttackBench, NoDistanceBeatsTheExactOneAndTheExactAttackReachesIt) {
  auto b = linear_bench();
  eval::AttackBenchOptions o;
  o.norm = "l2";
  o.attacks = {"fgsm", "deepfool", "fmn"};
  o.bisection_steps = 6;
  auto bench = eval::run_attack_bench(*b.model, b.data, o);
  ASSERT_EQ(bench.entries.size(), 3u);
  // Minimum-norm attacks run first; fgsm is bisected up to the largest distance they found.
  EXPECT_EQ(bench.entries[2].attack, "fgsm");
  EXPECT_FALSE(bench.entries[2].minimum_norm);
  const double eps_max = bench.best.max().item<double>();
  for (const auto& e : bench.entries) {
    SCOPED_TRACE(e.attack);
    EXPECT_EQ(e.distances[0].item<float>(), 0.0f);
    EXPECT_EQ(e.box_failures, 0);
    auto found = e.distances.isfinite();
    EXPECT_TRUE((e.distances.masked_select(found) >= b.exact.masked_select(found) * (1 - 1e-4) - 1e-6)
                    .all()
                    .item<bool>())
        << "a verified adversarial closer than the exact minimum";
    EXPECT_GE(e.optimality, 0.0);
    EXPECT_LE(e.optimality, 1.0 + 1e-9);
    EXPECT_GT(e.propagations.slice(0, 1).min().item<int64_t>(), 0);
  }
  // DeepFool is exact on a linear model up to its overshoot (2%); FMN reaches the exact
  // distance, so the reference is exact.
  const auto& deepfool = bench.entries[0].attack == "deepfool" ? bench.entries[0] : bench.entries[1];
  EXPECT_TRUE((deepfool.distances <= b.exact * 1.03 + 5e-5).all().item<bool>())
      << torch::stack({deepfool.distances, b.exact}, 1);
  EXPECT_GT(deepfool.optimality, 0.95);
  EXPECT_TRUE((bench.best <= b.exact * 1.001 + 1e-6).all().item<bool>()) << torch::stack({bench.best, b.exact}, 1);
  // L2 FGSM steps along w, the optimal direction here, by exactly eps: the bisection
  // brackets the exact distance to within one cell, eps_max / 2^6.
  const auto& fgsm = bench.entries[2];
  EXPECT_TRUE(((fgsm.distances - b.exact).abs() <= eps_max / 64 * 1.01 + 1e-6).all().item<bool>())
      << torch::stack({fgsm.distances, b.exact}, 1);
  EXPECT_TRUE((bench.best <= deepfool.distances).all().item<bool>());
  EXPECT_GT(eps_max, 0);

  auto json = bench.to_json();
  EXPECT_EQ(json["attacks"].size(), 3u);
  EXPECT_EQ(json["n"], 24);
  // Mean propagations over the 23 attacked samples, not the misclassified one.
  for (size_t k = 0; k < 3; ++k)
    EXPECT_NEAR(json["attacks"][k]["propagations"]["mean"].get<double>(),
                bench.entries[k].propagations.slice(0, 1).to(torch::kDouble).mean().item<double>(), 1e-9);
  EXPECT_EQ(json["best"]["curve"].front()["robust_accuracy"].get<double>(), 23.0 / 24);
  EXPECT_EQ(json["best"]["curve"].back()["robust_accuracy"].get<double>(), 0.0);
}

// L0 budgets are whole numbers: the bisection of a fixed-budget L0 attack stays on them
// (one-pixel refuses a budget below one pixel, which a real-valued midpoint reached and
// which stopped the whole bench).
TEST(AttackBench, L0BisectionStaysOnWholeCounts) {
  auto b = linear_bench();
  eval::AttackBenchOptions o;
  o.norm = "l0";
  o.attacks = {"onepixel"};
  o.eps_max = 5;
  o.bisection_steps = 5;
  o.attack_options["onepixel"] = {{"population", "10"}, {"generations", "5"}, {"queries", "200"}};
  auto bench = eval::run_attack_bench(*b.model, b.data, o);
  const auto& d = bench.entries.at(0).distances;
  auto found = d.isfinite();
  ASSERT_GT(found.sum().item<int64_t>(), 1);
  auto counts = d.masked_select(found);
  EXPECT_TRUE(counts.equal(counts.round())) << counts;
  EXPECT_TRUE((counts <= 5).all().item<bool>());
}

TEST(AttackBench, BadRequestsAreOneLineErrors) {
  auto b = linear_bench();
  eval::AttackBenchOptions o;
  o.norm = "l2";
  o.attacks = {"pgd"};  // fixed budget, no eps-max, no minimum-norm attack to size it
  EXPECT_THROW(eval::run_attack_bench(*b.model, b.data, o), Error);
  o.attacks = {"no-such-attack"};
  EXPECT_THROW(eval::run_attack_bench(*b.model, b.data, o), Error);
  o.attacks = {"bim"};  // L-inf only
  o.eps_max = 1;
  EXPECT_THROW(eval::run_attack_bench(*b.model, b.data, o), Error);
}

}  // namespace
}  // namespace advlab
