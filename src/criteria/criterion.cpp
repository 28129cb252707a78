#include "advlab/criteria/criterion.h"

#include "advlab/core/error.h"

namespace advlab {

namespace {
torch::Tensor checked_classes(torch::Tensor c, const char* what) {
  ADVLAB_CHECK(c.dim() == 1, what, " must be a 1-D tensor, got shape ", c.sizes());
  return c.to(torch::kLong);
}
}  // namespace

Misclassification::Misclassification(torch::Tensor labels)
    : labels_(checked_classes(std::move(labels), "labels")) {}

torch::Tensor Misclassification::is_adversarial(const torch::Tensor& logits) const {
  return logits.argmax(1) != labels_.to(logits.device());
}

std::shared_ptr<Criterion> Misclassification::select(const torch::Tensor& rows) const {
  return std::make_shared<Misclassification>(labels_.index_select(0, rows.to(labels_.device())));
}

TargetedMisclassification::TargetedMisclassification(torch::Tensor targets)
    : targets_(checked_classes(std::move(targets), "targets")) {}

torch::Tensor TargetedMisclassification::is_adversarial(const torch::Tensor& logits) const {
  return logits.argmax(1) == targets_.to(logits.device());
}

std::shared_ptr<Criterion> TargetedMisclassification::select(const torch::Tensor& rows) const {
  return std::make_shared<TargetedMisclassification>(
      targets_.index_select(0, rows.to(targets_.device())));
}

}  // namespace advlab
