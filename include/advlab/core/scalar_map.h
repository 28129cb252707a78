#pragma once
// f applied to each element of a small per-sample tensor [N], one scalar call at a time.
// LibTorch's vectorised kernels for exp, pow, sigmoid and the like round differently from
// the scalar code that finishes a tensor's tail, so an element's value would depend on its
// position in the batch; through iterations that difference grows into a different
// result. Per-sample state that goes through such functions goes through this instead, so
// a sample's result does not depend on the rest of its batch.
#include <torch/types.h>

namespace advlab {

// Same dtype and device as `values`; f sees each element as a double.
template <class F>
torch::Tensor scalar_map(const torch::Tensor& values, F f) {
  auto in = values.detach().to(torch::kCPU, torch::kDouble).contiguous();
  auto out = torch::empty_like(in);
  const double* src = in.data_ptr<double>();
  double* dst = out.data_ptr<double>();
  for (int64_t i = 0; i < in.numel(); ++i) dst[i] = f(src[i]);
  return out.to(values.device(), values.scalar_type());
}

}  // namespace advlab
