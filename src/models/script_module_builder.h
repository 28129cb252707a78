#pragma once
// Builds a TorchScript module from C++: registers parameters with PyTorch's default
// initialisation, drawn from a private generator so the same seed always gives the same
// weights whatever the global RNG has been used for. Layer names become attribute
// prefixes (conv1 -> conv1_w, conv1_b) that the forward source refers to.
#include "advlab/models/architectures.h"

#include <ATen/core/Generator.h>
#include <torch/script.h>

#include <string>
#include <vector>

namespace advlab::models {

class ScriptModuleBuilder {
 public:
  // class_name is the TorchScript class (shown by PyTorch), e.g. "SmallCNN".
  ScriptModuleBuilder(const std::string& class_name, const std::string& architecture,
                      const ArchitectureOptions& options);
  // A module with only the "training" attribute (no classifier attributes): generators,
  // discriminators and other non-classifiers add their own with the *_attribute calls.
  ScriptModuleBuilder(const std::string& class_name, uint64_t seed);

  void int_attribute(const std::string& name, int64_t value);
  void ints_attribute(const std::string& name, const std::vector<int64_t>& value);
  void float_attribute(const std::string& name, double value);
  void string_attribute(const std::string& name, const std::string& value);

  void linear(const std::string& name, int64_t in_features, int64_t out_features);
  void conv2d(const std::string& name, int64_t in_channels, int64_t out_channels, int64_t kernel,
              bool bias = true);
  // Weight [in, out, k, k] as torch.nn.ConvTranspose2d stores it, with its default
  // initialisation (fan-in computed from dim 1, as PyTorch does).
  void conv_transpose2d(const std::string& name, int64_t in_channels, int64_t out_channels,
                        int64_t kernel, bool bias = true);
  // name_w, name_b (affine) and buffers name_rm, name_rv (running statistics).
  void batch_norm(const std::string& name, int64_t channels);

  // Defines forward(self, x) (and any other methods in the source) from `forward_source`
  // and returns the module in eval mode.
  torch::jit::Module finish(const std::string& forward_source);

 private:
  torch::Tensor uniform(at::IntArrayRef sizes, double bound);
  void add_parameter(const std::string& name, torch::Tensor value);

  torch::jit::Module module_;
  at::Generator generator_;
};

// Expression snippets for forward sources, so each architecture reads as a layer list.
std::string conv_expr(const std::string& input, const std::string& layer, int64_t stride,
                      int64_t padding, bool bias = true);
std::string conv_transpose_expr(const std::string& input, const std::string& layer,
                                int64_t stride, int64_t padding, bool bias = true);
std::string batch_norm_expr(const std::string& input, const std::string& layer);
std::string linear_expr(const std::string& input, const std::string& layer);

// Spatial size after a convolution or pooling window.
int64_t output_size(int64_t size, int64_t kernel, int64_t stride, int64_t padding);

}  // namespace advlab::models
