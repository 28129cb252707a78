#pragma once
// Per-sample binary search over the trade-off constant c of C&W-style objectives
// (distance + c * hinge): a run that finds an adversarial lowers the upper bound, a run
// that fails raises the lower bound; until some run succeeds c grows tenfold
// (Carlini & Wagner 2017; reused by EAD).
#include <torch/types.h>

namespace advlab {

class ConstantSearch {
 public:
  ConstantSearch(int64_t n, double initial, const torch::TensorOptions& options);

  // c per sample [n].
  const torch::Tensor& constants() const { return c_; }
  // success: bool [n], whether the run with the current constants found an adversarial.
  void update(const torch::Tensor& success);

 private:
  torch::Tensor lower_, upper_, c_;
};

}  // namespace advlab
