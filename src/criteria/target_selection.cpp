#include "advlab/criteria/target_selection.h"

#include "advlab/core/error.h"

#include <cctype>

namespace advlab {

TargetSelection TargetSelection::parse(const std::string& text) {
  TargetSelection s;
  if (text == "random") return s;
  if (text == "least-likely") {
    s.mode = Mode::kLeastLikely;
    return s;
  }
  bool digits = !text.empty();
  for (char c : text) digits = digits && std::isdigit(static_cast<unsigned char>(c));
  ADVLAB_CHECK(digits, "invalid target '", text, "' (expected random, least-likely or a class index)");
  s.mode = Mode::kFixed;
  s.fixed_class = std::stoll(text);
  return s;
}

torch::Tensor choose_targets(const TargetSelection& selection, const torch::Tensor& labels,
                             const torch::Tensor& logits, int64_t num_classes, at::Generator& gen) {
  ADVLAB_CHECK(num_classes >= 2, "targeted attacks need at least 2 classes, got ", num_classes);
  auto cpu_labels = labels.to(torch::kCPU, torch::kLong);
  switch (selection.mode) {
    case TargetSelection::Mode::kRandom: {
      // label + offset in [1, K-1], modulo K: uniform over the other classes.
      auto offset = at::randint(1, num_classes, cpu_labels.sizes(), gen, cpu_labels.options());
      return ((cpu_labels + offset) % num_classes).to(labels.device());
    }
    case TargetSelection::Mode::kLeastLikely:
      ADVLAB_CHECK(logits.defined(), "least-likely targets need the model's logits");
      return logits.argmin(1).to(labels.device());
    case TargetSelection::Mode::kFixed:
      ADVLAB_CHECK(selection.fixed_class >= 0 && selection.fixed_class < num_classes,
                   "target class ", selection.fixed_class, " out of range [0, ", num_classes, ")");
      return torch::full_like(cpu_labels, selection.fixed_class).to(labels.device());
  }
  throw Error("unreachable target mode");
}

}  // namespace advlab
