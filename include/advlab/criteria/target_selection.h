#pragma once
// How targets are chosen for targeted attacks.
#include <ATen/core/Generator.h>
#include <torch/types.h>

#include <string>

namespace advlab {

struct TargetSelection {
  enum class Mode { kRandom, kLeastLikely, kFixed };
  Mode mode = Mode::kRandom;
  int64_t fixed_class = -1;

  // "random" | "least-likely" | a class index; throws advlab::Error otherwise.
  static TargetSelection parse(const std::string& text);
};

// Targets [N] for labels [N]: a uniformly random class other than the label, the class
// with the lowest logit (logits [N, K] required), or one fixed class (which must be in
// [0, K)). Samples whose label equals the fixed class keep it as target and can then
// never succeed; the caller reports them.
torch::Tensor choose_targets(const TargetSelection& selection, const torch::Tensor& labels,
                             const torch::Tensor& logits, int64_t num_classes, at::Generator& gen);

}  // namespace advlab
