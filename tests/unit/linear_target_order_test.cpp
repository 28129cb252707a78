// MALT's target order (other_classes_by_linear_distance): on a linear model the
// linearised distance is the exact one, so the order must be the classes sorted by
// (z_y - z_t) / ||w_y - w_t||_dual for each norm, only the `candidates` most likely ones
// re-ranked, the rest by logit and the label last; it costs two forward and `candidates`
// backward passes per sample. On the trained CNN, APGD-T with one MALT target leaves no
// more samples robust than with the most likely class as its target.
#include "advlab/attacks/attack_context.h"
#include "advlab/attacks/registry.h"
#include "advlab/attacks/target_sweep.h"
#include "advlab/criteria/criterion.h"
#include "support/linear_model.h"
#include "support/trained_models.h"

#include <ATen/CPUGeneratorImpl.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <iostream>

namespace advlab {
namespace {

constexpr int64_t kClasses = 10;

struct TenClassProblem {
  torch::Tensor weight, bias, x, labels, logits;
  std::shared_ptr<TorchScriptClassifier> model;
};

TenClassProblem ten_class_problem() {
  torch::manual_seed(7);
  TenClassProblem p;
  // Classes of very different weight norms: a large logit gap can still be a short way.
  p.weight = torch::randn({kClasses, 16}) * (0.2 + 3 * torch::rand({kClasses, 1}));
  p.bias = 0.3 * torch::randn({kClasses});
  p.x = 0.5 + (torch::rand({64, 1, 4, 4}) - 0.5) * 0.2;
  p.model = testing::make_linear_classifier(p.weight, p.bias);
  p.logits = p.x.flatten(1).matmul(p.weight.t()) + p.bias;
  p.labels = p.logits.argmax(1);
  return p;
}

// The expected order: the `candidates` most likely other classes by exact distance, then
// the rest by logit, then the label.
torch::Tensor expected_order(const TenClassProblem& p, const std::string& norm, int64_t candidates) {
  auto by_logit = other_classes_by_logit(p.logits, p.labels);
  std::vector<torch::Tensor> rows;
  for (int64_t i = 0; i < p.x.size(0); ++i) {
    const int64_t y = p.labels[i].item<int64_t>();
    std::vector<std::pair<double, int64_t>> near;
    for (int64_t c = 0; c < candidates; ++c) {
      const int64_t t = by_logit[i][c].item<int64_t>();
      double gap = (p.logits[i][y] - p.logits[i][t]).item<double>();
      near.emplace_back(gap / testing::dual_norm(p.weight[y] - p.weight[t], norm), t);
    }
    std::sort(near.begin(), near.end());
    auto row = by_logit[i].clone();
    for (int64_t c = 0; c < candidates; ++c) row[c] = near[c].second;
    rows.push_back(row);
  }
  return torch::stack(rows);
}

class LinearTargetOrder : public ::testing::TestWithParam<std::string> {};

TEST_P(LinearTargetOrder, SortsTheCandidatesByTheExactDistanceOnALinearModel) {
  const auto norm = GetParam();
  auto p = ten_class_problem();
  const int64_t n = p.x.size(0);
  auto threat = make_threat_model(norm);
  p.model->logits(p.x);  // the classifier learns its class count
  for (int64_t candidates : {9, 4}) {
    AttackContext context(*p.model, at::detail::createCPUGenerator(0), torch::arange(n), n);
    // Chunks of 10 rows: the order must not depend on how the rows are split.
    auto order = other_classes_by_linear_distance(context, *threat, p.x, p.labels, candidates, 10);
    auto want = expected_order(p, norm, candidates);
    EXPECT_TRUE(torch::equal(order, want)) << norm << " candidates " << candidates;
    EXPECT_TRUE(torch::equal(order.select(1, kClasses - 1), p.labels)) << "the label comes last";
    EXPECT_TRUE((context.gradients() == candidates).all().item<bool>()) << "one backward per candidate";
    EXPECT_TRUE((context.queries() == 2).all().item<bool>()) << "two forward passes";
  }
  // Not the logit order: otherwise this test could not tell them apart.
  AttackContext context(*p.model, at::detail::createCPUGenerator(0), torch::arange(n), n);
  auto order = other_classes_by_linear_distance(context, *threat, p.x, p.labels, 9);
  auto by_logit = other_classes_by_logit(p.logits, p.labels);
  auto first_differs = (order.select(1, 0) != by_logit.select(1, 0)).sum().item<int64_t>();
  std::cout << norm << ": nearest class is not the most likely one for " << first_differs << " of " << n << "\n";
  EXPECT_GE(first_differs, 5);
}

INSTANTIATE_TEST_SUITE_P(Norms, LinearTargetOrder, ::testing::Values("linf", "l2", "l1"),
                         [](const auto& info) { return info.param; });

TEST(LinearTargetOrder, RejectsNoCandidates) {
  auto p = ten_class_problem();
  p.model->logits(p.x);
  AttackContext context(*p.model, at::detail::createCPUGenerator(0), torch::arange(4), 4);
  auto threat = make_threat_model("linf");
  EXPECT_THROW(other_classes_by_linear_distance(context, *threat, p.x.narrow(0, 0, 4), p.labels.narrow(0, 0, 4), 0),
               Error);
  EXPECT_THROW(make_attack("apgd-t", {{"eps", "0.1"}, {"target_order", "nearest"}}), Error);
  EXPECT_THROW(make_attack("apgd-t", {{"eps", "0.1"}, {"candidates", "0"}}), Error);
}

double robust_accuracy(const std::map<std::string, std::string>& options) {
  const auto& trained = testing::fashion_cnn();
  auto x = trained.test.images.narrow(0, 0, 100);
  auto labels = trained.test.labels.narrow(0, 0, 100);
  auto result = make_attack("apgd-t", options)->run(*trained.model, x, Misclassification(labels), 0);
  return (result.predictions == labels).to(torch::kDouble).mean().item<double>();
}

TEST(LinearTargetOrder, OneMaltTargetBreaksAtLeastAsManyAsTheMostLikelyClass) {
  if (!testing::fashion_mnist_available()) GTEST_SKIP() << "Fashion-MNIST not installed";
  std::map<std::string, std::string> one{{"eps", "0.04"}, {"steps", "20"}, {"target_classes", "1"}};
  double logit = robust_accuracy(one);
  one["target_order"] = "malt";
  double malt = robust_accuracy(one);
  std::cout << "apgd-t, 1 target, eps 0.04: robust accuracy logit order " << logit << ", malt " << malt << "\n";
  EXPECT_GT(logit, 0.0) << "budget too large to compare";
  EXPECT_LE(malt, logit);
}

}  // namespace
}  // namespace advlab
