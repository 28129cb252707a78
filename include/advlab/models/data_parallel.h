#pragma once
// Data-parallel training over a dist::Group, with DDP's semantics: every rank starts from
// rank 0's weights, takes its share of each global batch, and before each step the
// gradients are summed over the ranks (each weighted by its share of the batch), so every
// rank takes the same step as one process on the whole batch would, up to the order of
// the float sums; the weights stay bitwise equal on all ranks (the sum is in rank order).
#include "advlab/dist/group.h"

#include <torch/script.h>

#include <vector>

namespace advlab::models {

// This rank's contiguous share of a global batch (sizes differ by at most one).
torch::Tensor local_share(const torch::Tensor& batch_index, const dist::Group& group);
// Rank 0's parameters and buffers, copied into every rank's module.
void broadcast_module(torch::jit::Module& module, dist::Group& group);
// Replaces each parameter's gradient by sum over ranks of (share / batch) * gradient, and
// each of `stats` by its sum over ranks.
void all_reduce_gradients(const std::vector<torch::Tensor>& parameters, int64_t share, int64_t batch,
                          std::vector<torch::Tensor>& stats, dist::Group& group);

}  // namespace advlab::models
