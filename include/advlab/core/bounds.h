#pragma once
// The box of valid inputs for a classifier, e.g. [0,1] for images stored as fractions.
#include <torch/types.h>

namespace advlab {

struct Bounds {
  double lower = 0.0;
  double upper = 1.0;

  torch::Tensor clip(const torch::Tensor& x) const { return x.clamp(lower, upper); }
  // True when every element lies in [lower - tol, upper + tol].
  bool contains(const torch::Tensor& x, double tol = 1e-6) const;
  // bool [N]: does each sample of x [N, ...] lie inside (same tolerance)?
  torch::Tensor contains_per_sample(const torch::Tensor& x, double tol = 1e-6) const;
};

}  // namespace advlab
