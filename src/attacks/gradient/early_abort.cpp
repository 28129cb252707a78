#include "advlab/attacks/gradient/early_abort.h"

#include <torch/torch.h>

#include <algorithm>
#include <limits>

namespace advlab {

EarlyAbort::EarlyAbort(int64_t n, int64_t steps, bool enabled, const torch::TensorOptions& options)
    : enabled_(enabled),
      every_(std::max<int64_t>(1, steps / 10)),
      previous_(torch::full({n}, std::numeric_limits<float>::infinity(), options)) {}

bool EarlyAbort::after_step(int64_t k, const torch::Tensor& objective, const std::vector<torch::Tensor*>& state) {
  if (!enabled_ || (k + 1) % every_ != 0) return true;
  auto keep = (objective <= previous_ * 0.9999).nonzero().squeeze(1);
  if (keep.numel() == 0) return false;
  previous_ = objective.index_select(0, keep);
  for (auto* t : state) *t = t->index_select(0, keep);
  return true;
}

}  // namespace advlab
