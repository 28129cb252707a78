#pragma once
// A linear classifier z = W flatten(x) + b as a TorchScript module, for known answers.
#include "advlab/models/classifier.h"

#include <torch/torch.h>

namespace advlab::testing {

inline std::shared_ptr<TorchScriptClassifier> make_linear_classifier(const torch::Tensor& weight,
                                                                     const torch::Tensor& bias) {
  torch::jit::Module m("__torch__.advlab_test.Linear");
  m.register_parameter("weight", weight.clone().requires_grad_(true), false);
  m.register_parameter("bias", bias.clone().requires_grad_(true), false);
  m.define(R"(
def forward(self, x):
    return torch.linear(x.flatten(1), self.weight, self.bias)
)");
  return std::make_shared<TorchScriptClassifier>(m);
}

}  // namespace advlab::testing
