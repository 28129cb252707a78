#include "advlab/attacks/losses.h"

#include "advlab/core/error.h"

#include <limits>

namespace advlab {

torch::Tensor max_other_logit(const torch::Tensor& logits, const torch::Tensor& classes) {
  auto mask = torch::zeros_like(logits, torch::kBool).scatter(1, classes.view({-1, 1}), true);
  return logits.masked_fill(mask, -std::numeric_limits<float>::infinity()).amax(1);
}

namespace {
torch::Tensor class_logit(const torch::Tensor& logits, const torch::Tensor& classes) {
  return logits.gather(1, classes.view({-1, 1})).squeeze(1);
}
}  // namespace

torch::Tensor CrossEntropyLoss::operator()(const torch::Tensor& logits, const Criterion& criterion) const {
  auto classes = criterion.classes().to(logits.device());
  auto ce = -torch::log_softmax(logits, 1).gather(1, classes.view({-1, 1})).squeeze(1);
  return criterion.targeted() ? -ce : ce;
}

torch::Tensor MarginLoss::operator()(const torch::Tensor& logits, const Criterion& criterion) const {
  auto classes = criterion.classes().to(logits.device());
  auto margin = max_other_logit(logits, classes) - class_logit(logits, classes);
  if (criterion.targeted()) margin = -margin;
  return margin.clamp_max(confidence_);
}

torch::Tensor DlrLoss::operator()(const torch::Tensor& logits, const Criterion& criterion) const {
  ADVLAB_CHECK(!criterion.targeted(), "the dlr loss is untargeted; use ce or cw for targeted attacks");
  ADVLAB_CHECK(logits.size(1) >= 3, "the dlr loss needs at least 3 classes, got ", logits.size(1));
  auto classes = criterion.classes().to(logits.device());
  auto sorted = std::get<0>(logits.sort(1, /*descending=*/true));
  auto scale = sorted.select(1, 0) - sorted.select(1, 2) + 1e-12;
  return -(class_logit(logits, classes) - max_other_logit(logits, classes)) / scale;
}

std::vector<std::string> loss_names() { return {"ce", "cw", "dlr"}; }

std::shared_ptr<AttackLoss> make_loss(const std::string& name) {
  if (name == "ce") return std::make_shared<CrossEntropyLoss>();
  if (name == "cw") return std::make_shared<MarginLoss>();
  if (name == "dlr") return std::make_shared<DlrLoss>();
  throw Error("unknown loss '" + name + "' (expected ce, cw or dlr)");
}

}  // namespace advlab
