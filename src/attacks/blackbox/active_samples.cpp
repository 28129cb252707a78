#include "advlab/attacks/blackbox/active_samples.h"

#include <torch/torch.h>

namespace advlab {

ActiveSamples::ActiveSamples(Oracle& oracle, const Criterion& criterion, int64_t cost)
    : oracle_(oracle), indices_(oracle.with_budget(cost)), criterion_(criterion.select(indices_)) {}

void ActiveSamples::track(torch::Tensor& state) { tracked_.push_back(&state); }

void ActiveSamples::keep(const torch::Tensor& keep) {
  auto rows = keep.to(torch::kCPU).nonzero().squeeze(1);
  if (rows.size(0) == indices_.size(0)) return;  // nothing dropped: no copies of the state
  indices_ = indices_.index_select(0, rows);
  criterion_ = criterion_->select(rows);
  for (auto* state : tracked_)
    if (state->defined()) *state = state->index_select(0, rows.to(state->device()));
}

void ActiveSamples::keep_affordable(int64_t cost) { keep(oracle_.remaining(indices_) >= cost); }

}  // namespace advlab
