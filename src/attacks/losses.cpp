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

torch::Tensor targeted_dlr(const torch::Tensor& logits, const torch::Tensor& labels,
                           const torch::Tensor& targets) {
  ADVLAB_CHECK(logits.size(1) >= 4, "the targeted dlr loss needs at least 4 classes, got ", logits.size(1));
  auto sorted = std::get<0>(logits.sort(1, /*descending=*/true));
  auto scale = sorted.select(1, 0) - 0.5 * (sorted.select(1, 2) + sorted.select(1, 3)) + 1e-12;
  auto y = labels.to(logits.device()), t = targets.to(logits.device());
  return -(class_logit(logits, y) - class_logit(logits, t)) / scale;
}

torch::Tensor DlrLoss::operator()(const torch::Tensor& logits, const Criterion& criterion) const {
  if (criterion.targeted()) {
    // The strongest non-target class plays the true label's part (it is the prediction
    // until the attack succeeds); chosen without a gradient, like a label.
    auto targets = criterion.classes().to(logits.device());
    auto mask = torch::zeros_like(logits, torch::kBool).scatter(1, targets.view({-1, 1}), true);
    auto rival = logits.detach().masked_fill(mask, -std::numeric_limits<float>::infinity()).argmax(1);
    return targeted_dlr(logits, rival, targets);
  }
  ADVLAB_CHECK(logits.size(1) >= 3, "the dlr loss needs at least 3 classes, got ", logits.size(1));
  auto classes = criterion.classes().to(logits.device());
  auto sorted = std::get<0>(logits.sort(1, /*descending=*/true));
  auto scale = sorted.select(1, 0) - sorted.select(1, 2) + 1e-12;
  return -(class_logit(logits, classes) - max_other_logit(logits, classes)) / scale;
}

std::vector<std::string> loss_names() { return {"ce", "margin", "dlr", "cw"}; }
std::vector<std::string> score_loss_names() { return {"ce", "margin", "cw"}; }
std::string canonical_loss_name(const std::string& name) { return name == "cw" ? "margin" : name; }

std::shared_ptr<AttackLoss> make_loss(const std::string& name) {
  if (name == "ce") return std::make_shared<CrossEntropyLoss>();
  if (canonical_loss_name(name) == "margin") return std::make_shared<MarginLoss>();
  if (name == "dlr") return std::make_shared<DlrLoss>();
  throw Error("unknown loss '" + name + "' (expected ce, margin or dlr)");
}

}  // namespace advlab
