// surely_adversarial: through an exact oracle it is the criterion itself; where score
// queries come from an inference copy (not bit-identical to the model), a margin within
// float round-off of the boundary does not count yet, a clear one does, targeted too.
#include "advlab/attacks/attack_context.h"
#include "advlab/attacks/blackbox/oracle.h"
#include "advlab/attacks/blackbox/score_losses.h"
#include "advlab/criteria/criterion.h"
#include "support/linear_model.h"

#include <ATen/CPUGeneratorImpl.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

namespace advlab {
namespace {

// A model whose score queries are its own (exact) or said to come from an inexact copy.
class Queries : public Classifier {
 public:
  Queries(std::shared_ptr<Classifier> inner, bool exact) : inner_(std::move(inner)), exact_(exact) {}
  torch::Tensor logits(const torch::Tensor& x) override { return inner_->logits(x); }
  bool queries_are_exact() const override { return exact_; }
  Bounds bounds() const override { return inner_->bounds(); }
  torch::Device device() const override { return inner_->device(); }
  int64_t num_classes() const override { return inner_->num_classes(); }

 private:
  std::shared_ptr<Classifier> inner_;
  bool exact_;
};

TEST(SurelyAdversarial, RoundOffMarginsCountOnlyForExactOracles) {
  auto linear = testing::make_linear_classifier(torch::eye(3), torch::zeros({3}));
  Queries exact(linear, true), inexact(linear, false);
  // Label 0 everywhere; row 0 crosses by 1e-7 (round-off), row 1 by 0.01, row 2 not at all.
  auto scores = torch::tensor({{0.0f, 1e-7f, -1.0f}, {0.0f, 0.01f, -1.0f}, {0.5f, 0.0f, -1.0f}});
  Misclassification untargeted(torch::zeros({3}, torch::kLong));
  TargetedMisclassification targeted(torch::ones({3}, torch::kLong));
  for (Classifier* model : {&exact, &inexact}) {
    AttackContext context(*model, at::detail::createCPUGenerator(0), torch::arange(3), 3);
    Oracle oracle(context, OracleOutput::kLogits, 0);
    auto expected = model == &exact ? torch::tensor({true, true, false}) : torch::tensor({false, true, false});
    EXPECT_TRUE(torch::equal(surely_adversarial(oracle, scores, untargeted).to(torch::kCPU), expected))
        << (model == &exact ? "exact" : "inexact");
    EXPECT_TRUE(torch::equal(surely_adversarial(oracle, scores, targeted).to(torch::kCPU), expected))
        << (model == &exact ? "exact targeted" : "inexact targeted");
  }
}

}  // namespace
}  // namespace advlab
