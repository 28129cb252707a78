#pragma once
// A faster CPU kernel for LibTorch's commonest pooling (torch_kernels.h puts it in place).
//
// LibTorch's CPU max_pool2d_with_indices walks each window with general index arithmetic
// on NCHW tensors (1.13 and 2.x alike): on the small CNNs attacked here it took about a
// third of every gradient pass, more than the convolutions. The 2x2, stride 2 case on a
// contiguous float32 tensor is done here with the same scan order, the same NaN rule and
// the same indices, so outputs and gradients are the same bit for bit; every other case
// goes to LibTorch's own kernel.
#include <ATen/core/Tensor.h>

#include <tuple>

namespace advlab {

// LibTorch's max_pool2d_with_indices, with the 2x2 / stride 2 / no padding / dilation 1 /
// floor-mode case on contiguous float32 input of 3 or 4 dims computed here (on the calling
// thread, where LibTorch runs one), the rest by LibTorch.
std::tuple<at::Tensor, at::Tensor> fast_max_pool2d_with_indices(const at::Tensor& self, at::IntArrayRef kernel_size,
                                                                at::IntArrayRef stride, at::IntArrayRef padding,
                                                                at::IntArrayRef dilation, bool ceil_mode);

// Whether fast_max_pool2d_with_indices computes this call itself.
bool max_pool_fast_case(const at::Tensor& self, at::IntArrayRef kernel_size, at::IntArrayRef stride,
                        at::IntArrayRef padding, at::IntArrayRef dilation, bool ceil_mode);

}  // namespace advlab
