// Runs side by side (target_sweep.h runs_side_by_side): APGD-T and FAB-T stack their
// target runs while few samples are left, and must return exactly what running the
// targets in turn returns.
#include "advlab/attacks/attack_result.h"
#include "advlab/attacks/registry.h"
#include "advlab/attacks/target_sweep.h"
#include "advlab/criteria/criterion.h"
#include "support/trained_models.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <iostream>

namespace advlab {
namespace {

TEST(RunsSideBySide, FillsThePaddedCallsWithTheFewestCalls) {
  // 6 samples, 9 runs, 16-row calls: 9 calls in turn; waves of 5 (30 rows, 2 calls, then
  // 24 rows, 2 calls) take 4, as do waves of 8 and 9: the smallest wins.
  EXPECT_EQ(runs_side_by_side(6, 9, 16), 5);
  EXPECT_EQ(runs_side_by_side(1, 9, 16), 9);   // all 9 in one call
  EXPECT_EQ(runs_side_by_side(8, 9, 16), 2);   // 16 rows per call exactly
  EXPECT_EQ(runs_side_by_side(16, 9, 16), 1);  // a run fills its calls already
  EXPECT_EQ(runs_side_by_side(6, 9, 0), 1);    // whole-batch calls: nothing padded
  EXPECT_EQ(runs_side_by_side(6, 1, 16), 1);
  EXPECT_EQ(runs_side_by_side(100, 9, 160), 1);
  EXPECT_EQ(runs_side_by_side(6, 9, 16, /*max_rows=*/12), 2);  // at most 12 rows: waves of 2
}

struct Outcome {
  AttackResult result;
  int64_t gradients;
};

Outcome run(const std::string& attack, std::map<std::string, std::string> options, bool stack, int64_t n) {
  const auto& trained = testing::fashion_cnn();
  auto x = trained.test.images.narrow(0, 0, n);
  auto labels = trained.test.labels.narrow(0, 0, n);
  options["stack_runs"] = stack ? "true" : "false";
  auto result = make_attack(attack, options)->run(*trained.model, x, Misclassification(labels), 0);
  return {result, result.gradients.sum().item<int64_t>()};
}

class StackedRuns : public ::testing::TestWithParam<std::string> {};

TEST_P(StackedRuns, ReturnExactlyWhatRunsInTurnReturn) {
  if (!testing::fashion_mnist_available()) GTEST_SKIP() << "Fashion-MNIST not installed";
  std::map<std::string, std::string> options{{"eps", "0.065"}, {"steps", "10"}, {"target_classes", "9"}};
  // 16 samples, two calls of 8 rows: once a few break, fewer than 8 are left and runs stack.
  auto stacked = run(GetParam(), options, true, 16);
  auto in_turn = run(GetParam(), options, false, 16);
  const auto& a = stacked.result;
  const auto& b = in_turn.result;
  std::cout << GetParam() << ": " << a.success.sum().item<int64_t>() << " broken; gradients stacked "
            << stacked.gradients << ", in turn " << in_turn.gradients << "\n";
  // Some samples broken, some left for the later (stacked) targets.
  EXPECT_GT(a.success.sum().item<int64_t>(), 5);
  EXPECT_GT((a.predictions == testing::fashion_cnn().test.labels.narrow(0, 0, 16)).sum().item<int64_t>(), 2);
  EXPECT_TRUE(torch::equal(a.success, b.success));
  EXPECT_TRUE(torch::equal(a.adversarials, b.adversarials))
      << "largest difference " << (a.adversarials - b.adversarials).abs().max().item<double>();
  // Stacked runs are charged to their samples: here some samples broke inside a stack
  // (so the merge chose among runs), and the runs next to theirs cost more gradients.
  EXPECT_GT(stacked.gradients, in_turn.gradients);
}

// Minimum-norm FAB-T (no eps) runs every target on every sample and keeps the closest:
// stacked on 10 samples, the merge must pick the same adversarial per sample.
TEST(StackedRuns, MinimumNormFabTKeepsTheSameClosestAdversarials) {
  if (!testing::fashion_mnist_available()) GTEST_SKIP() << "Fashion-MNIST not installed";
  std::map<std::string, std::string> options{{"steps", "10"}, {"target_classes", "9"}};
  auto stacked = run("fab-t", options, true, 10);
  auto in_turn = run("fab-t", options, false, 10);
  EXPECT_GT(stacked.result.success.sum().item<int64_t>(), 5);
  EXPECT_TRUE(torch::equal(stacked.result.success, in_turn.result.success));
  EXPECT_TRUE(torch::equal(stacked.result.adversarials, in_turn.result.adversarials));
}

// At L1 every run goes through the wider balls (large_eps); stacked copies of a sample
// pass through the same stages as the runs in turn.
TEST(StackedRuns, ApgdTAtL1ThroughWiderBallsReturnsWhatRunsInTurnReturn) {
  if (!testing::fashion_mnist_available()) GTEST_SKIP() << "Fashion-MNIST not installed";
  std::map<std::string, std::string> options{{"eps", "4"}, {"norm", "l1"}, {"steps", "10"}, {"target_classes", "9"}};
  auto stacked = run("apgd-t", options, true, 7);
  auto in_turn = run("apgd-t", options, false, 7);
  std::cout << "apgd-t l1: " << stacked.result.success.sum().item<int64_t>() << " broken; gradients stacked "
            << stacked.gradients << ", in turn " << in_turn.gradients << "\n";
  EXPECT_GT(stacked.result.success.sum().item<int64_t>(), 2);
  EXPECT_LT(stacked.result.success.sum().item<int64_t>(), 7);
  EXPECT_TRUE(torch::equal(stacked.result.success, in_turn.result.success));
  EXPECT_TRUE(torch::equal(stacked.result.adversarials, in_turn.result.adversarials));
  EXPECT_GT(stacked.gradients, in_turn.gradients);  // samples broke inside stacks
}

INSTANTIATE_TEST_SUITE_P(Attacks, StackedRuns, ::testing::Values("apgd-t", "fab-t"),
                         [](const auto& info) { return info.param == "apgd-t" ? "apgd_t" : "fab_t"; });

}  // namespace
}  // namespace advlab
