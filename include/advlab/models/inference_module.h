#pragma once
// A copy of a TorchScript module for passes that need no gradient: frozen (parameters
// folded in as constants) and optimised for inference (torch.jit.optimize_for_inference:
// on the CPU, convolutions move to oneDNN with the following ReLU fused in).
//
// Why: forward-only passes (Square and the other score attacks' queries, every attack's
// success checks, clean predictions, the final verification) are most of an evaluation's
// passes, and the optimised copy runs them several times faster than the module that
// serves gradients (bench/model_pass_bench.cpp). Its logits agree with the plain module's
// to float rounding (~1e-6 on the test CNN), not bit for bit.
#include <torch/script.h>

#include <optional>

namespace advlab {

// Ensures: the optimised copy in eval mode, or nothing where freezing or optimising fails
// (a module whose graph the passes do not support); `module` itself is not changed.
std::optional<torch::jit::Module> make_inference_module(const torch::jit::Module& module);

}  // namespace advlab
