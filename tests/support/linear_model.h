#pragma once
// A linear classifier z = W flatten(x) + b as a TorchScript module, for known answers.
#include "advlab/models/classifier.h"

#include <torch/torch.h>

#include <string>
#include <vector>

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

// A four-class linear problem for minimum-norm known answers (4 classes, so logit ratios
// such as DLR are defined): 16 inputs near 0.5, class 0 winning every sample by a margin
// >= 0.05, and only samples whose smallest L1 change stays below 0.3 kept, so no minimal
// perturbation of any norm meets the box [0, 1]. rival_offset lowers the logits of classes
// 2 and 3: with a few units, only class 1's boundary lies within reach, so an attack
// cannot settle on the boundary of a farther class (a local optimum for multi-class
// objectives) and every sample has one known answer.
struct FourClassProblem {
  torch::Tensor weight, bias, x, labels;
  std::shared_ptr<TorchScriptClassifier> model;
};

inline FourClassProblem four_class_problem(uint64_t seed, double rival_offset = 0) {
  torch::manual_seed(seed);
  FourClassProblem p;
  p.weight = torch::randn({4, 16});
  p.bias = -0.5 * p.weight.sum(1);
  p.bias[0] += 0.4;
  p.bias.narrow(0, 2, 2) -= rival_offset;
  auto x = 0.5 + (torch::rand({40, 1, 4, 4}) - 0.5) * 0.2;
  p.model = make_linear_classifier(p.weight, p.bias);
  auto z = x.flatten(1).matmul(p.weight.t()) + p.bias;
  auto margins = z.narrow(1, 0, 1) - z.narrow(1, 1, 3);
  auto diff = p.weight[0].unsqueeze(0) - p.weight.narrow(0, 1, 3);
  auto l1_minimal = (margins / diff.abs().amax(1).unsqueeze(0)).amin(1);
  auto keep = ((margins.amin(1) > 0.05) & (l1_minimal < 0.3)).nonzero().squeeze(1);
  p.x = x.index_select(0, keep);
  p.labels = torch::zeros({p.x.size(0)}, torch::kLong);
  return p;
}

// The exact smallest Lp distance per sample: min over j of (z_0 - z_j) / ||w_0 - w_j||_dual.
inline torch::Tensor exact_minimal_distance(const FourClassProblem& p, const std::string& norm) {
  auto z = p.x.flatten(1).matmul(p.weight.t()) + p.bias;
  std::vector<torch::Tensor> per_class;
  for (int64_t j = 1; j < 4; ++j)
    per_class.push_back((z.select(1, 0) - z.select(1, j)) / dual_norm(p.weight[0] - p.weight[j], norm));
  return std::get<0>(torch::stack(per_class, 1).min(1));
}

}  // namespace advlab::testing
