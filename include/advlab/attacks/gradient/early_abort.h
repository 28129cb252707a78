#pragma once
// C&W's abort_early (Carlini & Wagner 2017), shared by C&W and EAD: every tenth of the
// steps, a sample whose objective has not fallen by 0.01% since the last check stops,
// and its rows are dropped from the attack's per-sample state.
#include <torch/types.h>

#include <vector>

namespace advlab {

class EarlyAbort {
 public:
  // n samples, `steps` per run; disabled = never stops a sample.
  EarlyAbort(int64_t n, int64_t steps, bool enabled, const torch::TensorOptions& options);

  // After step k (from 0) with objective [m] of the m samples still running: on a check
  // step, keeps the samples still improving in every tensor of `state` (each [m, ...]).
  // Returns false once no sample is left.
  bool after_step(int64_t k, const torch::Tensor& objective, const std::vector<torch::Tensor*>& state);

 private:
  bool enabled_;
  int64_t every_;
  torch::Tensor previous_;
};

}  // namespace advlab
