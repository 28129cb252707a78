#pragma once
// Adam's moment update (Kingma & Ba 2015), shared by the attacks that optimise with it:
// C&W (in tanh space), SPSA (on its gradient estimates) and ZOO (per coordinate). The
// moments live with the caller, so attacks that drop finished samples shrink them along
// with the rest of their per-sample state.
#include <torch/types.h>

namespace advlab {

struct AdamDecay {
  double beta1 = 0.9;
  double beta2 = 0.999;
};

// Updates m and v with gradient g at step t (from 1) and returns the bias-corrected
// direction m_hat / (sqrt(v_hat) + 1e-8); the caller steps against it, scaled by its rate.
torch::Tensor adam_direction(torch::Tensor& m, torch::Tensor& v, const torch::Tensor& g, double t,
                             AdamDecay decay = {});
// The same with a step count per element (t broadcasts against g), as in ZOO, where each
// coordinate has been updated a different number of times.
torch::Tensor adam_direction(torch::Tensor& m, torch::Tensor& v, const torch::Tensor& g, const torch::Tensor& t,
                             AdamDecay decay = {});

}  // namespace advlab
