#include "advlab/attacks/adam_step.h"

#include <torch/torch.h>

#include <cmath>

namespace advlab {

torch::Tensor adam_direction(torch::Tensor& m, torch::Tensor& v, const torch::Tensor& g, double t, AdamDecay d) {
  m = d.beta1 * m + (1 - d.beta1) * g;
  v = d.beta2 * v + (1 - d.beta2) * g * g;
  return (m / (1 - std::pow(d.beta1, t))) / ((v / (1 - std::pow(d.beta2, t))).sqrt() + 1e-8);
}

torch::Tensor adam_direction(torch::Tensor& m, torch::Tensor& v, const torch::Tensor& g, const torch::Tensor& t,
                             AdamDecay d) {
  m = d.beta1 * m + (1 - d.beta1) * g;
  v = d.beta2 * v + (1 - d.beta2) * g * g;
  return (m / (1 - torch::pow(d.beta1, t))) / ((v / (1 - torch::pow(d.beta2, t))).sqrt() + 1e-8);
}

}  // namespace advlab
