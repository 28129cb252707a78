#pragma once
// What the checkpoint and evaluation-state targets load into, shared with make_seeds so the
// seeds fit it and mutations start from files that get past the identity checks.
#include <nlohmann/json.hpp>
#include <torch/script.h>
#include <torch/torch.h>

namespace advlab::fuzz {

// A TorchScript module with one parameter and one buffer, like a trained model's.
inline torch::jit::Module tiny_module() {
  torch::jit::Module m("TinyFuzzModel");
  m.register_parameter("weight", torch::ones({2, 3}).requires_grad_(), false);
  m.register_buffer("scale", torch::ones({2}));
  m.define("def forward(self, x):\n    return (x @ self.weight.t()) * self.scale\n");
  return m;
}

inline nlohmann::json evaluation_identity() {
  return {{"model_crc32", "0badf00d"}, {"data_crc32", "12345678"}, {"suite", "quick"},
          {"eps", {0.1}}, {"seed", 0}};
}

}  // namespace advlab::fuzz
