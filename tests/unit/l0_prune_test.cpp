// prune_l0: on a two-class linear model, starting from the far corner of the box (every
// input changed), the pruned adversarial has exactly the minimum L0 (the greedy count of
// sigma_zero_test: the fewest largest gains that close the margin), stays adversarial,
// inside the box, and equal to the clean input wherever it is not changed; rows not
// marked found, and max_rounds 0, leave the candidates as they were.
#include "advlab/attacks/attack_context.h"
#include "advlab/attacks/mask/l0_prune.h"
#include "advlab/criteria/criterion.h"
#include "support/linear_l0.h"

#include <ATen/CPUGeneratorImpl.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

namespace advlab {
namespace {

// [0, 1]^64, offset 3; kept: samples the corner breaks with some room, so float
// rounding cannot decide. See support/linear_l0.h.
testing::LinearL0Problem corner_problem() {
  auto p = testing::linear_l0_problem(5, 40, 64, 3);
  return p.select((p.total_gain > p.margin * 1.2).nonzero().squeeze(1), 8);
}

TEST(L0Prune, FromTheCornerReachesTheExactMinimumOnALinearModel) {
  auto p = corner_problem();
  const int64_t n = p.x.size(0);
  ASSERT_GE(n, 20);
  Misclassification criterion(p.labels);
  ASSERT_TRUE((p.model->predict(p.corner) != p.labels).all().item<bool>());
  AttackContext context(*p.model, at::detail::createCPUGenerator(0), torch::arange(n), n);
  auto found = torch::ones({n}, torch::kBool);
  auto pruned = prune_l0(context, p.x, p.corner, found, criterion, 1000);

  auto changed = (pruned != p.x).flatten(1);
  auto l0 = changed.sum(1).to(torch::kFloat);
  EXPECT_TRUE(torch::equal(l0, p.exact)) << torch::stack({l0, p.exact}, 1);
  EXPECT_TRUE((p.model->predict(pruned) != p.labels).all().item<bool>());
  EXPECT_GE(pruned.min().item<double>(), 0.0);
  EXPECT_LE(pruned.max().item<double>(), 1.0);
  // A changed input keeps the corner's value: pruning only puts inputs back.
  auto kept = pruned.flatten(1).masked_select(changed), corner = p.corner.flatten(1).masked_select(changed);
  EXPECT_TRUE(torch::equal(kept, corner));
}

TEST(L0Prune, LeavesRowsNotFoundAndZeroRoundsAlone) {
  auto p = corner_problem();
  const int64_t n = p.x.size(0);
  Misclassification criterion(p.labels);
  AttackContext context(*p.model, at::detail::createCPUGenerator(0), torch::arange(n), n);
  auto found = torch::arange(n) % 2 == 0;
  auto pruned = prune_l0(context, p.x, p.corner, found, criterion, 1000);
  auto untouched = (~found).nonzero().squeeze(1);
  EXPECT_TRUE(torch::equal(pruned.index_select(0, untouched), p.corner.index_select(0, untouched)));
  auto l0 = (pruned != p.x).flatten(1).sum(1).to(torch::kFloat);
  auto done = found.nonzero().squeeze(1);
  EXPECT_TRUE(torch::equal(l0.index_select(0, done), p.exact.index_select(0, done)));
  EXPECT_TRUE(torch::equal(prune_l0(context, p.x, p.corner, found, criterion, 0), p.corner));
}

}  // namespace
}  // namespace advlab
