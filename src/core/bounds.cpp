#include "advlab/core/bounds.h"

namespace advlab {

bool Bounds::contains(const torch::Tensor& x, double tol) const {
  if (x.numel() == 0) return true;
  return x.min().item<double>() >= lower - tol && x.max().item<double>() <= upper + tol;
}

torch::Tensor Bounds::contains_per_sample(const torch::Tensor& x, double tol) const {
  if (x.size(0) == 0) return torch::zeros({0}, torch::kBool);
  auto rows = x.reshape({x.size(0), -1});
  if (rows.size(1) == 0) return torch::ones({x.size(0)}, torch::kBool);
  return (std::get<0>(rows.min(1)) >= lower - tol) & (std::get<0>(rows.max(1)) <= upper + tol);
}

}  // namespace advlab
