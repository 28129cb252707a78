#pragma once
// A linear classifier z = W flatten(x) + b as a TorchScript module, for known answers.
#include "advlab/models/classifier.h"

#include <torch/torch.h>

#include <string>

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

// The dual norm of w for an Lp threat model (L-inf -> L1, L2 -> L2, L1 -> L-inf): the
// smallest Lp step that moves w.x by m has size m / dual_norm(w).
inline double dual_norm(const torch::Tensor& w, const std::string& norm) {
  if (norm == "linf") return w.abs().sum().item<double>();
  if (norm == "l2") return w.norm().item<double>();
  return w.abs().max().item<double>();
}

}  // namespace advlab::testing
