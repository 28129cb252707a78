#pragma once
// Convolutions of single-channel inputs (Fashion-MNIST's first layer) through LibTorch's
// own im2col kernels instead of oneDNN (torch_kernels.h puts them in place on LibTorch 1.x).
//
// Debian's LibTorch 1.13 sends every float32 convolution of a batch to oneDNN 2.6, which
// is many times slower for one input channel: 1 -> 32 channels, 3x3, 16 images of 28x28,
// one thread: forward 1.85 ms against 0.13 ms, input gradient 1.49 ms against 0.10 ms
// (bench/model_pass_bench.cpp; session 17 in docs/speed.md). With more channels oneDNN
// is as fast or faster, so only this case moves. The sums are the same products in
// another order: results agree to float rounding.
#include <ATen/core/Tensor.h>

#include <array>
#include <tuple>

namespace advlab {

// Whether a convolution goes through LibTorch's kernels here: float32 on the CPU, 4-d,
// one input channel, groups 1, dilation 1, not transposed.
bool single_channel_conv_case(const at::Tensor& input, const at::Tensor& weight, at::IntArrayRef dilation,
                              int64_t groups, bool transposed = false);

// aten::mkldnn_convolution's CPU kernel: the case above by LibTorch's kernel, the rest by oneDNN.
at::Tensor single_channel_conv_forward(const at::Tensor& input, const at::Tensor& weight,
                                       const c10::optional<at::Tensor>& bias, at::IntArrayRef padding,
                                       at::IntArrayRef stride, at::IntArrayRef dilation, int64_t groups);

// aten::convolution_backward's CPU kernel: the case above by LibTorch's kernel, the rest as LibTorch does.
std::tuple<at::Tensor, at::Tensor, at::Tensor> single_channel_conv_backward(
    const at::Tensor& grad_output, const at::Tensor& input, const at::Tensor& weight,
    at::OptionalSymIntArrayRef bias_sizes, at::IntArrayRef stride, at::IntArrayRef padding, at::IntArrayRef dilation,
    bool transposed, at::IntArrayRef output_padding, int64_t groups, std::array<bool, 3> output_mask);

}  // namespace advlab
