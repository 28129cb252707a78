#pragma once
// The module's forward graph with every max pool moved in front of the ReLU it follows:
// max_pool2d(relu(x)) -> relu(max_pool2d(x)).
//
// Why: ReLU is monotone, so both give the same values, and the same input gradients bit
// for bit (a window whose max is <= 0 passes a zero gradient either way; otherwise both
// route it to the same element). After the pool the ReLU and its backward touch a quarter
// of the values: on the Fashion-MNIST CNNs, 28x28x32 activations that no longer fit a
// core's cache, the two ReLUs and their backwards were a third of a gradient pass.
#include <torch/script.h>

#include <memory>
#include <optional>

namespace advlab {

// Rewrites the graph in place; a ReLU whose output is read elsewhere, or an in-place ReLU
// on a view or on a value read again, stays. Returns the number of pools moved.
int64_t move_pools_before_relus(const std::shared_ptr<torch::jit::Graph>& graph);

// Ensures: a copy of `module` in eval mode that shares its parameter tensors (training
// steps and .to() on the original reach it), with `forward` inlined and rewritten as
// above; nothing where no pool moved or the graph could not be inlined. `module` itself
// is not changed.
std::optional<torch::jit::Module> make_pool_first_module(const torch::jit::Module& module);

}  // namespace advlab
