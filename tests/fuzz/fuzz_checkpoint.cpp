// Training checkpoints (train --resume): zip CRC check, TorchScript archive, the JSON
// training state, then parameters and Adam state copied into a fixed tiny model.
#include "advlab/core/error.h"
#include "fuzz_models.h"
#include "fuzz_support.h"
#include "models/checkpoint.h"

#include <torch/optim/adam.h>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static torch::jit::Module module = advlab::fuzz::tiny_module();
  auto path = advlab::fuzz::write_scratch(
      "checkpoint.pt", std::string_view(reinterpret_cast<const char*>(data), size));
  std::vector<torch::Tensor> params;
  for (const auto& p : module.parameters()) params.push_back(p);
  torch::optim::Adam optimizer(params);
  try {
    advlab::models::load_checkpoint(path, module, optimizer);
  } catch (const advlab::Error&) {
  }
  return 0;
}
