#include "advlab/attacks/gradient/penalty_lagrangian.h"

#include <torch/torch.h>

namespace advlab {

torch::Tensor p2_penalty(const torch::Tensor& y, const torch::Tensor& rho, const torch::Tensor& mu) {
  auto violated = mu * y + mu * rho * y.square() + rho.square() * y.pow(3) / 6;
  // y is clamped in the branch that where() discards, so 1 - rho y never reaches 0 there.
  auto satisfied = mu * y / (1 - rho * y.clamp_max(0));
  return torch::where(y >= 0, violated, satisfied);
}

torch::Tensor p2_penalty_slope(const torch::Tensor& y, const torch::Tensor& rho, const torch::Tensor& mu) {
  auto violated = mu + 2 * mu * rho * y + rho.square() * y.square() / 2;
  auto satisfied = mu / (1 - rho * y.clamp_max(0)).square();
  return torch::where(y >= 0, violated, satisfied);
}

}  // namespace advlab
