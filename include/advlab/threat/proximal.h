#pragma once
// Proximal operators of the Lp norms, per sample: prox(v, lambda) = argmin_z
// lambda ||z|| + ||z - v||_2^2 / 2, for v [N, ...] and lambda [N] >= 0. Proximal gradient
// attacks (PDPGD) take a gradient step on the loss, then this step on the norm, so the
// norm's kinks (zeros for L1, ties for L-inf) are reached exactly instead of circled.
#include <torch/types.h>

#include <string>

namespace advlab {

// L1: soft-thresholding, sign(v) max(|v| - lambda, 0).
torch::Tensor prox_l1(const torch::Tensor& v, const torch::Tensor& lambda);
// L2: block soft-thresholding, v max(1 - lambda / ||v||, 0).
torch::Tensor prox_l2(const torch::Tensor& v, const torch::Tensor& lambda);
// L-inf: v minus its projection onto the L1 ball of radius lambda (Moreau decomposition).
torch::Tensor prox_linf(const torch::Tensor& v, const torch::Tensor& lambda);

using ProximalOperator = torch::Tensor (*)(const torch::Tensor& v, const torch::Tensor& lambda);
// "l1" | "l2" | "linf"; throws advlab::Error for other norms.
ProximalOperator proximal_operator(const std::string& norm);

}  // namespace advlab
