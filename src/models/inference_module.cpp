#include "advlab/models/inference_module.h"

#include "advlab/models/torch_kernels.h"

#include <torch/csrc/jit/api/module.h>

namespace advlab {

std::optional<torch::jit::Module> make_inference_module(const torch::jit::Module& module) {
  try {
    GraphExecutorOptimize optimise(true);  // freezing inlines through the optimiser
    auto copy = module.clone();
    copy.eval();
    // optimize_numerics=false: no folding that changes results beyond rounding.
    auto frozen = torch::jit::freeze(copy, c10::nullopt, /*optimize_numerics=*/false);
    return torch::jit::optimize_for_inference(frozen);
  } catch (const std::exception&) {
    return std::nullopt;  // the plain module serves forward passes too
  }
}

}  // namespace advlab
