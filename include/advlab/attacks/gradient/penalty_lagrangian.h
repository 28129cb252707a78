#pragma once
// The penalty-Lagrangian function P2 of Birgin, Castillo and Martinez (2005, "Numerical
// comparison of augmented Lagrangian algorithms for nonconvex problems"), which ALMA
// (Rony et al. 2021) uses for its constraint y <= 0, per sample:
//   y >= 0: mu y + mu rho y^2 + rho^2 y^3 / 6
//   y <  0: mu y / (1 - rho y)
// with multiplier mu > 0 and penalty parameter rho > 0. It is C^1 at 0 (value 0, slope
// mu), grows cubically while the constraint is violated and flattens towards -mu / rho
// once it holds, so a satisfied constraint pulls less and less. ALMA needs only the
// derivative in y: it is the weight of the constraint's gradient, and its moving average
// is the next multiplier.
#include <torch/types.h>

namespace advlab {

// All tensors [N] (broadcastable).
torch::Tensor p2_penalty(const torch::Tensor& y, const torch::Tensor& rho, const torch::Tensor& mu);
// dP2/dy: mu + 2 mu rho y + rho^2 y^2 / 2 for y >= 0, mu / (1 - rho y)^2 below; > 0 everywhere.
torch::Tensor p2_penalty_slope(const torch::Tensor& y, const torch::Tensor& rho, const torch::Tensor& mu);

}  // namespace advlab
