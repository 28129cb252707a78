#pragma once
// The LibTorch C++ APIs that differ between Debian's LibTorch 1.13 and the 2.x in PyPI's
// torch wheels, in one place: code calls these instead of the differing API, so both
// builds compile from the same source without #ifs elsewhere.
#include <ATen/ATen.h>

#include <tuple>

namespace advlab::compat {

// torch::linalg:: (torch/linalg.h) is not part of 2.x's C++ frontend; ATen's
// at::linalg_* functions, the same kernels, are in both.
inline std::tuple<at::Tensor, at::Tensor> eigh(const at::Tensor& symmetric, c10::string_view uplo = "L") {
  return at::linalg_eigh(symmetric, uplo);
}
inline at::Tensor eigvalsh(const at::Tensor& symmetric, c10::string_view uplo = "L") {
  return at::linalg_eigvalsh(symmetric, uplo);
}
inline at::Tensor cholesky(const at::Tensor& spd) { return at::linalg_cholesky(spd); }
inline at::Tensor solve(const at::Tensor& a, const at::Tensor& b, bool left = true) {
  return at::linalg_solve(a, b, left);
}

}  // namespace advlab::compat
