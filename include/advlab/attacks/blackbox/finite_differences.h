#pragma once
// Gradient estimates from scores alone, shared by NES and SPSA: antithetic finite
// differences along random directions,
//   g = sum_k (L(x + c u_k) - L(x - c u_k)) u_k / (2 c k),
// which is NES's estimator for Gaussian u (Ilyas et al. 2018) and SPSA's for Rademacher
// u (Spall 1992; Uesato et al. 2018). Costs 2k queries per sample, asked in one batch.
#include "advlab/attacks/blackbox/oracle.h"
#include "advlab/criteria/criterion.h"

#include <string>

namespace advlab {

// x [n, ...] for the samples `local`; directions [n, k, ...]; c > 0; loss "margin" | "ce"
// (to minimise, see score_losses.h). Probes are clipped to the bounds. Returns g [n, ...],
// an estimate of the gradient of the loss.
torch::Tensor antithetic_gradient(Oracle& oracle, const torch::Tensor& x, const torch::Tensor& local,
                                  const Criterion& criterion, const torch::Tensor& directions, double c,
                                  const std::string& loss);

}  // namespace advlab
