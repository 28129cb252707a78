#include "script_module_builder.h"

#include "advlab/core/error.h"

#include <ATen/CPUGeneratorImpl.h>

#include <cmath>

namespace advlab::models {

ScriptModuleBuilder::ScriptModuleBuilder(const std::string& class_name,
                                         const std::string& architecture,
                                         const ArchitectureOptions& options)
    : ScriptModuleBuilder(class_name, options.seed) {
  ADVLAB_CHECK(options.in_channels > 0 && options.height > 0 && options.width > 0,
               "input shape must be positive, got [", options.in_channels, ", ", options.height,
               ", ", options.width, "]");
  ADVLAB_CHECK(options.num_classes >= 2, "num_classes must be >= 2, got ", options.num_classes);
  // Read back by tools (and by Python as model.input_shape) to check inputs before use.
  module_.register_attribute(
      "input_shape", c10::ListType::ofInts(),
      c10::List<int64_t>({options.in_channels, options.height, options.width}));
  module_.register_attribute("num_classes", c10::IntType::get(), options.num_classes);
  module_.register_attribute("architecture", c10::StringType::get(), architecture);
}

ScriptModuleBuilder::ScriptModuleBuilder(const std::string& class_name, uint64_t seed)
    : module_("__torch__.advlab." + class_name), generator_(at::detail::createCPUGenerator(seed)) {
  // Module::train()/eval() only flip an existing "training" attribute; batch norm reads it.
  module_.register_attribute("training", c10::BoolType::get(), false);
}

void ScriptModuleBuilder::int_attribute(const std::string& name, int64_t value) {
  module_.register_attribute(name, c10::IntType::get(), value);
}

void ScriptModuleBuilder::ints_attribute(const std::string& name, const std::vector<int64_t>& value) {
  module_.register_attribute(name, c10::ListType::ofInts(), c10::List<int64_t>(value));
}

void ScriptModuleBuilder::float_attribute(const std::string& name, double value) {
  module_.register_attribute(name, c10::FloatType::get(), value);
}

void ScriptModuleBuilder::string_attribute(const std::string& name, const std::string& value) {
  module_.register_attribute(name, c10::StringType::get(), value);
}

torch::Tensor ScriptModuleBuilder::uniform(at::IntArrayRef sizes, double bound) {
  return torch::empty(sizes, torch::kFloat32).uniform_(-bound, bound, generator_);
}

void ScriptModuleBuilder::add_parameter(const std::string& name, torch::Tensor value) {
  module_.register_parameter(name, value.requires_grad_(), /*is_buffer=*/false);
}

// PyTorch's default for Linear and Conv2d: kaiming_uniform_(a=sqrt(5)) for the weight and
// U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for the bias; both bounds reduce to 1/sqrt(fan_in).
void ScriptModuleBuilder::linear(const std::string& name, int64_t in_features, int64_t out_features) {
  double bound = 1.0 / std::sqrt(static_cast<double>(in_features));
  add_parameter(name + "_w", uniform({out_features, in_features}, bound));
  add_parameter(name + "_b", uniform({out_features}, bound));
}

void ScriptModuleBuilder::conv2d(const std::string& name, int64_t in_channels,
                                 int64_t out_channels, int64_t kernel, bool bias) {
  double bound = 1.0 / std::sqrt(static_cast<double>(in_channels * kernel * kernel));
  add_parameter(name + "_w", uniform({out_channels, in_channels, kernel, kernel}, bound));
  if (bias) add_parameter(name + "_b", uniform({out_channels}, bound));
}

// ConvTranspose2d's weight is [in, out/groups, k, k]; PyTorch's fan-in reads dim 1, so
// the bound is 1/sqrt(out_channels * k * k).
void ScriptModuleBuilder::conv_transpose2d(const std::string& name, int64_t in_channels,
                                           int64_t out_channels, int64_t kernel, bool bias) {
  double bound = 1.0 / std::sqrt(static_cast<double>(out_channels * kernel * kernel));
  add_parameter(name + "_w", uniform({in_channels, out_channels, kernel, kernel}, bound));
  if (bias) add_parameter(name + "_b", uniform({out_channels}, bound));
}

void ScriptModuleBuilder::batch_norm(const std::string& name, int64_t channels) {
  add_parameter(name + "_w", torch::ones({channels}));
  add_parameter(name + "_b", torch::zeros({channels}));
  module_.register_buffer(name + "_rm", torch::zeros({channels}));
  module_.register_buffer(name + "_rv", torch::ones({channels}));
}

torch::jit::Module ScriptModuleBuilder::finish(const std::string& forward_source) {
  module_.define(forward_source);
  module_.eval();
  return module_;
}

std::string conv_expr(const std::string& input, const std::string& layer, int64_t stride,
                      int64_t padding, bool bias) {
  std::string b = bias ? "self." + layer + "_b" : "None";
  return c10::str("torch.conv2d(", input, ", self.", layer, "_w, ", b, ", [", stride, ", ", stride,
                  "], [", padding, ", ", padding, "])");
}

std::string conv_transpose_expr(const std::string& input, const std::string& layer,
                                int64_t stride, int64_t padding, bool bias) {
  std::string b = bias ? "self." + layer + "_b" : "None";
  return c10::str("torch.conv_transpose2d(", input, ", self.", layer, "_w, ", b, ", [", stride,
                  ", ", stride, "], [", padding, ", ", padding, "])");
}

std::string batch_norm_expr(const std::string& input, const std::string& layer) {
  std::string p = "self." + layer;
  return c10::str("torch.batch_norm(", input, ", ", p, "_w, ", p, "_b, ", p, "_rm, ", p,
                  "_rv, self.training, 0.1, 1e-5, False)");
}

std::string linear_expr(const std::string& input, const std::string& layer) {
  return c10::str("torch.linear(", input, ", self.", layer, "_w, self.", layer, "_b)");
}

int64_t output_size(int64_t size, int64_t kernel, int64_t stride, int64_t padding) {
  return (size + 2 * padding - kernel) / stride + 1;
}

}  // namespace advlab::models
