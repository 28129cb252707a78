#include "advlab/models/single_channel_conv.h"

#include <ATen/Functions.h>
#include <ATen/ops/convolution_backward_native.h>
#include <ATen/ops/mkldnn_convolution_native.h>

namespace advlab {

bool single_channel_conv_case(const at::Tensor& input, const at::Tensor& weight, at::IntArrayRef dilation,
                              int64_t groups, bool transposed) {
  if (transposed || groups != 1 || !input.defined() || !weight.defined()) return false;
  if (input.dim() != 4 || weight.dim() != 4 || weight.size(1) != 1 || input.size(1) != 1) return false;
  if (input.scalar_type() != at::kFloat || weight.scalar_type() != at::kFloat) return false;
  if (!input.device().is_cpu() || input.layout() != at::kStrided || weight.layout() != at::kStrided) return false;
  for (auto d : dilation)
    if (d != 1) return false;
  return true;
}

at::Tensor single_channel_conv_forward(const at::Tensor& input, const at::Tensor& weight,
                                       const c10::optional<at::Tensor>& bias, at::IntArrayRef padding,
                                       at::IntArrayRef stride, at::IntArrayRef dilation, int64_t groups) {
  if (!single_channel_conv_case(input, weight, dilation, groups))
    return at::native::mkldnn_convolution(input, weight, bias, padding, stride, dilation, groups);
  return at::_slow_conv2d_forward(input.contiguous(), weight.contiguous(), {weight.size(2), weight.size(3)}, bias,
                                  stride, padding);
}

std::tuple<at::Tensor, at::Tensor, at::Tensor> single_channel_conv_backward(
    const at::Tensor& grad_output, const at::Tensor& input, const at::Tensor& weight,
    at::OptionalSymIntArrayRef bias_sizes, at::IntArrayRef stride, at::IntArrayRef padding, at::IntArrayRef dilation,
    bool transposed, at::IntArrayRef output_padding, int64_t groups, std::array<bool, 3> output_mask) {
  if (!single_channel_conv_case(input, weight, dilation, groups, transposed)) {
    c10::optional<at::IntArrayRef> sizes;
    if (bias_sizes.has_value()) sizes = c10::asIntArrayRefUnchecked(*bias_sizes);
    return at::native::convolution_backward(grad_output, input, weight, sizes, stride, padding, dilation, transposed,
                                            output_padding, groups, output_mask);
  }
  return at::_slow_conv2d_backward(grad_output.contiguous(), input.contiguous(), weight.contiguous(),
                                   {weight.size(2), weight.size(3)}, stride, padding, output_mask);
}

}  // namespace advlab
