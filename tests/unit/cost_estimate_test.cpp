// The evaluation's time estimate: each attack's nominal budget per sample, read off its
// parameters, and the calibrated cost of a model pass.
#include "advlab/attacks/registry.h"
#include "advlab/eval/cost_estimate.h"
#include "support/linear_model.h"

#include <gtest/gtest.h>

namespace advlab::eval {
namespace {

AttackBudget budget_of(const std::string& name, const std::map<std::string, std::string>& options) {
  return nominal_budget(find_attack(name).family, make_attack(name, options)->params(), 10);
}

TEST(CostEstimate, NominalBudgetsFollowTheAttacksParameters) {
  EXPECT_EQ(budget_of("pgd", {{"eps", "0.1"}, {"steps", "40"}}).gradient_passes, 40);
  EXPECT_EQ(budget_of("pgd", {{"eps", "0.1"}, {"steps", "10"}, {"restarts", "3"}}).gradient_passes, 30);
  EXPECT_EQ(budget_of("fgsm", {{"eps", "0.1"}}).gradient_passes, 1);
  // Untargeted FAB differentiates all 10 logits per step.
  auto fab = budget_of("fab", {{"eps", "0.1"}});
  auto fab_params = make_attack("fab", {{"eps", "0.1"}})->params();
  double fab_steps = fab_params.contains("steps") ? fab_params["steps"].get<double>() : fab_params["n_iter"].get<double>();
  EXPECT_EQ(fab.gradient_passes, fab_steps * fab_params["restarts"].get<double>() * 10);
  // Target sweeps: the minimum-norm ones run untargeted first, APGD-T only its targets.
  EXPECT_EQ(budget_of("fmn", {{"steps", "100"}}).gradient_passes, 100 * 10);
  EXPECT_EQ(budget_of("ddn", {{"target_classes", "0"}}).gradient_passes, 100);
  EXPECT_EQ(budget_of("alma", {{"steps", "200"}, {"target_classes", "4"}}).gradient_passes, 200 * 5);
  EXPECT_EQ(budget_of("apgd-t", {{"eps", "0.1"}, {"steps", "100"}, {"restarts", "1"}}).gradient_passes, 100 * 9);
  auto square = budget_of("square", {{"eps", "0.1"}, {"queries", "5000"}});
  EXPECT_EQ(square.forward_passes, 5000);
  EXPECT_EQ(square.gradient_passes, 0);
}

TEST(CostEstimate, CalibrationMeasuresPositiveCostsAndScalesWithSamples) {
  auto model = testing::make_linear_classifier(torch::randn({3, 8}), torch::zeros({3}));
  data::Dataset dataset;
  dataset.images = torch::rand({16, 8});
  dataset.labels = torch::zeros({16}, torch::kLong);
  auto cost = calibrate_pass_cost(*model, dataset, 16);
  EXPECT_GT(cost.forward, 0);
  EXPECT_GT(cost.forward_backward, 0);
  AttackBudget b{40, 1};
  EXPECT_DOUBLE_EQ(estimated_seconds(b, cost, 20), 2 * estimated_seconds(b, cost, 10));
  EXPECT_DOUBLE_EQ(estimated_seconds(b, cost, 1), 40 * cost.forward_backward + cost.forward);
}

}  // namespace
}  // namespace advlab::eval
