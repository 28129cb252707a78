#pragma once
// Fréchet distance between Gaussian fits of two feature sets (Heusel et al. 2017, "FID"):
//   d^2 = |mu_1 - mu_2|^2 + tr(S_1) + tr(S_2) - 2 tr((S_1 S_2)^(1/2)).
// All in double precision. tr((S_1 S_2)^(1/2)) is computed as tr((A S_2 A)^(1/2)) with
// A = S_1^(1/2): A S_2 A is symmetric positive semi-definite, so both square roots come
// from symmetric eigendecompositions (no complex parts, no Newton iterations); tiny
// negative eigenvalues from rounding are clamped to 0.
// FID is biased upwards for small samples: compare values computed with the same counts.
#include <torch/types.h>

#include <cstdint>

namespace advlab::gan {

struct GaussianFit {
  torch::Tensor mean;  // double [F]
  torch::Tensor cov;   // double [F, F], unbiased (N - 1)
  int64_t count = 0;
};

// features [N, F] with N >= 2; throws advlab::Error otherwise or for non-finite values.
GaussianFit fit_gaussian(const torch::Tensor& features);
// Both fits must have the same dimension F.
double frechet_distance(const GaussianFit& a, const GaussianFit& b);
// Symmetric positive semi-definite square root (eigendecomposition), double.
torch::Tensor psd_sqrt(const torch::Tensor& symmetric);

}  // namespace advlab::gan
