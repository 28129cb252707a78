#include "advlab/core/bounds.h"

namespace advlab {

bool Bounds::contains(const torch::Tensor& x, double tol) const {
  if (x.numel() == 0) return true;
  return x.min().item<double>() >= lower - tol && x.max().item<double>() <= upper + tol;
}

}  // namespace advlab
