#include "advlab/models/classifier.h"

#include "advlab/core/error.h"
#include "advlab/core/torch_error_line.h"
#include "advlab/io/zip_check.h"
#include "advlab/models/fixed_row_passes.h"
#include "advlab/models/inference_module.h"
#include "advlab/models/pool_first.h"
#include "advlab/models/torch_kernels.h"
#include "advlab/models/row_groups.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <optional>

namespace advlab {

namespace {

// Puts a module in eval mode for one call and gives back the mode it had.
class EvalModeGuard {
 public:
  explicit EvalModeGuard(torch::jit::Module& m) : module_(m), was_training_(m.is_training()) {
    if (was_training_) module_.eval();
  }
  ~EvalModeGuard() {
    if (was_training_) module_.train(true);
  }

 private:
  torch::jit::Module& module_;
  bool was_training_;
};

// The dtype of the module's first floating-point parameter or buffer: a model exported
// in float64 gets its images in float64 (and gives float32 logits back); float32 when it has none.
// Half and bfloat16 models are refused by name: their input gradients can underflow and
// round (a way for an evaluation to report robustness that is not there), and LibTorch's
// own error only says that float and half do not mix.
torch::ScalarType floating_parameter_dtype(const torch::jit::Module& module) {
  auto first = [](const auto& tensors) -> std::optional<torch::ScalarType> {
    for (const auto& t : tensors)
      if (t.is_floating_point()) return t.scalar_type();
    return std::nullopt;
  };
  auto dtype = first(module.parameters()).value_or(first(module.buffers()).value_or(torch::kFloat32));
  ADVLAB_CHECK(dtype == torch::kFloat32 || dtype == torch::kFloat64, "the model's weights are ",
               c10::toString(dtype), ": advlab attacks float32 and float64 models (export it after model.float())");
  return dtype;
}

torch::Tensor channel_tensor(const std::vector<double>& v, torch::Device device) {
  return torch::tensor(v, torch::kFloat32).view({1, -1, 1, 1}).to(device);
}

// The cause, not the interpreter's generic first line, and what advlab fed the model.
// The sample shape, not the call's: calls are padded to a fixed number of rows.
Error forward_error(const std::string& what, const torch::Tensor& x, const Bounds& bounds, torch::ScalarType dtype) {
  return Error(c10::str("model forward failed: ", torch_error_line(what), " (advlab gave it ",
                        dtype == torch::kFloat64 ? "float64" : "float32", " images of shape ", x.sizes().slice(1),
                        " in [", bounds.lower, ", ", bounds.upper, "])"));
}

// One autograd graph over the model's logits (Classifier::gradient_pass's default).
class GraphPass : public GradientPass {
 public:
  GraphPass(Classifier& model, const torch::Tensor& x) {
    torch::AutoGradMode grad_on(true);
    input_ = x.detach().requires_grad_(true);
    output_ = model.logits(input_);
    logits_ = output_.detach();
  }
  const torch::Tensor& logits() const override { return logits_; }
  torch::Tensor input_gradient(const torch::Tensor& upstream, bool keep) override {
    return torch::autograd::grad({output_}, {input_}, {upstream}, keep)[0].detach();
  }

 private:
  torch::Tensor input_, output_, logits_;
};

// One graph per group of rows, each built and walked back on its own thread.
class GroupedPass : public GradientPass {
 public:
  struct Group {
    int64_t begin = 0, end = 0;
    torch::Tensor input, output;  // the group's leaf and its logits (with the graph)
  };
  GroupedPass(std::vector<Group> groups, torch::TensorOptions grad_options)
      : groups_(std::move(groups)), grad_options_(grad_options) {
    std::vector<torch::Tensor> parts;
    for (const auto& g : groups_) parts.push_back(g.output.detach());
    logits_ = torch::cat(parts);
  }
  const torch::Tensor& logits() const override { return logits_; }
  torch::Tensor input_gradient(const torch::Tensor& upstream, bool keep) override {
    std::vector<torch::Tensor> grads(groups_.size());
    run_side_by_side(static_cast<int64_t>(groups_.size()), [&](int64_t i) {
      const auto& g = groups_[static_cast<size_t>(i)];
      auto up = upstream.narrow(0, g.begin, g.end - g.begin);
      grads[static_cast<size_t>(i)] = torch::autograd::grad({g.output}, {g.input}, {up}, keep)[0].detach();
    });
    return torch::cat(grads).to(grad_options_);
  }

 private:
  std::vector<Group> groups_;
  torch::TensorOptions grad_options_;
  torch::Tensor logits_;
};

}  // namespace

std::unique_ptr<GradientPass> Classifier::gradient_pass(const torch::Tensor& x) {
  return std::make_unique<GraphPass>(*this, x);
}

int64_t Classifier::probe(const std::vector<int64_t>& sample_shape) {
  std::vector<int64_t> shape{1};
  shape.insert(shape.end(), sample_shape.begin(), sample_shape.end());
  torch::NoGradGuard no_grad;
  auto x = torch::full(shape, (bounds().lower + bounds().upper) / 2, torch::kFloat32).to(device());
  auto out = logits(x);
  ADVLAB_CHECK(out.dim() == 2 && out.size(0) == 1 && out.size(1) >= 2,
               "model output must be [N, classes] with at least 2 classes, got ", out.sizes());
  return out.size(1);
}

torch::Tensor Classifier::query_logits(const torch::Tensor& x) {
  torch::NoGradGuard no_grad;
  return logits(x);
}

torch::Tensor Classifier::predict(const torch::Tensor& x, int64_t batch_size) {
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> parts;
  for (int64_t i = 0; i < x.size(0); i += batch_size) {
    auto batch = x.slice(0, i, std::min(i + batch_size, x.size(0))).to(device());
    parts.push_back(logits(batch).argmax(1));
  }
  if (parts.empty()) return torch::empty({0}, torch::kLong);
  return torch::cat(parts);
}

void Classifier::require_finite_logits(const torch::Tensor& x, const std::string& what, int64_t batch_size) {
  torch::NoGradGuard no_grad;
  int64_t bad = 0, first = -1;
  for (int64_t i = 0; i < x.size(0); i += batch_size) {
    auto batch = x.slice(0, i, std::min(i + batch_size, x.size(0))).to(device());
    auto nonfinite = (~torch::isfinite(logits(batch))).any(1).to(torch::kCPU);
    const int64_t count = nonfinite.sum().item<int64_t>();
    if (count > 0 && first < 0) first = i + nonfinite.nonzero()[0][0].item<int64_t>();
    bad += count;
  }
  ADVLAB_CHECK(bad == 0, what, " outputs NaN or inf on ", bad, " of ", x.size(0), " clean images (first: image ", first,
               "): no result can be computed from it (are its weights damaged?)");
}

TorchScriptClassifier::TorchScriptClassifier(torch::jit::Module module, ClassifierOptions options)
    : module_(std::move(module)), options_(std::move(options)) {
  if (options_.device.is_cpu()) install_torch_kernels();
  ADVLAB_CHECK(options_.bounds.lower < options_.bounds.upper, "bounds must satisfy lower < upper, got [",
               options_.bounds.lower, ", ", options_.bounds.upper, "]");
  ADVLAB_CHECK(options_.mean.size() == options_.std.size(),
               "mean and std must have the same number of channels");
  for (double m : options_.mean) ADVLAB_CHECK(std::isfinite(m), "mean must be finite, got ", m);
  for (double s : options_.std) ADVLAB_CHECK(std::isfinite(s) && s > 0, "std must be finite and > 0, got ", s);
  ADVLAB_CHECK(options_.pass_rows >= ClassifierOptions::kAutoPassRows,
               "pass rows must be >= 0 (0 = whole batches), got ", options_.pass_rows);
  pass_rows_ = options_.pass_rows != ClassifierOptions::kAutoPassRows ? options_.pass_rows
               : options_.device.is_cpu()                          ? ClassifierOptions::kCpuPassRows
                                                                   : 0;
  module_.to(options_.device);
  model_dtype_ = floating_parameter_dtype(module_);
  if (!options_.mean.empty()) {
    mean_ = channel_tensor(options_.mean, options_.device);
    std_ = channel_tensor(options_.std, options_.device);
  }
}

std::shared_ptr<TorchScriptClassifier> TorchScriptClassifier::load(const std::string& path,
                                                                   ClassifierOptions options) {
  ADVLAB_CHECK(std::ifstream(path).good(), "model file not found or unreadable: ", path);
  io::verify_zip_checksums(path);  // torch's reader would load damaged bytes as they are
  torch::jit::Module module;
  try {
    module = torch::jit::load(path, options.device);
  } catch (const std::exception&) {
    throw Error(c10::str("model file is not a TorchScript archive (corrupt or wrong format): ", path));
  }
  return std::make_shared<TorchScriptClassifier>(std::move(module), std::move(options));
}

torch::Tensor TorchScriptClassifier::preprocess(const torch::Tensor& x) const {
  if (!mean_.defined()) return x;
  return (x - mean_) / std_;
}

torch::Tensor TorchScriptClassifier::forward(torch::jit::Module& module, const torch::Tensor& x) {
  std::optional<GraphExecutorOptimize> plain;
  if (options_.device.is_cpu() && torch_kernels_enabled()) plain.emplace(false);
  auto result = module.forward({x.to(model_dtype_)});
  // A tuple or dict of outputs (logits and features, say) has no one right element to pick.
  ADVLAB_CHECK(result.isTensor(), "model output must be one [N, classes] tensor of logits, got a ",
               result.tagKind(), " (export a wrapper whose forward returns the logits alone)");
  auto out = result.toTensor();
  ADVLAB_CHECK(out.dim() == 2 && out.size(0) == x.size(0),
               "model output must be [N, classes], got ", out.sizes(), " for input ", x.sizes());
  ADVLAB_CHECK(out.is_floating_point(), "model output must be floating-point logits, got ", out.scalar_type(),
               " (a model that returns class indices cannot be attacked; export the logits)");
  return out.to(torch::kFloat32);
}

torch::jit::Module& TorchScriptClassifier::graph_module() {
  if (!pool_first_tried_) {
    pool_first_tried_ = true;
    // With advlab's kernels off (ADVLAB_TORCH_KERNELS=0), LibTorch runs the model as written.
    if (torch_kernels_enabled()) pool_first_module_ = make_pool_first_module(module_);
  }
  return pool_first_module_ ? *pool_first_module_ : module_;
}

torch::Tensor TorchScriptClassifier::logits(const torch::Tensor& x) { return run(x, /*fast=*/false); }

torch::Tensor TorchScriptClassifier::query_logits(const torch::Tensor& x) {
  torch::NoGradGuard no_grad;
  return run(x, fast_copy_allowed());
}

template <typename Fn>
auto TorchScriptClassifier::translate_errors(const torch::Tensor& x, Fn&& fn) -> decltype(fn()) {
  try {
    return fn();
  } catch (const Error&) {
    throw;
  } catch (const c10::Error& e) {
    throw forward_error(e.what_without_backtrace(), x, options_.bounds, model_dtype_);
  } catch (const std::exception& e) {  // torch::jit::JITException: a raise or assert in the model
    throw forward_error(e.what(), x, options_.bounds, model_dtype_);
  }
}

std::vector<std::pair<int64_t, int64_t>> TorchScriptClassifier::side_by_side_groups(int64_t n) const {
  if (!options_.device.is_cpu() || pass_rows_ <= 0) return {{0, n}};
  return row_groups(n, pass_rows_, side_by_side_threads());
}

torch::Tensor TorchScriptClassifier::run_passes(torch::jit::Module& module, const torch::Tensor& input) {
  auto pass = [&](const torch::Tensor& rows) { return forward(module, rows); };
  const auto groups = side_by_side_groups(input.size(0));
  if (groups.size() <= 1) return run_in_fixed_rows(input, pass_rows_, pass);
  std::vector<torch::Tensor> outputs(groups.size());
  run_side_by_side(static_cast<int64_t>(groups.size()), [&](int64_t i) {
    const auto [begin, end] = groups[static_cast<size_t>(i)];
    outputs[static_cast<size_t>(i)] = run_in_fixed_rows(input.narrow(0, begin, end - begin), pass_rows_, pass);
  });
  return torch::cat(outputs);
}

torch::Tensor TorchScriptClassifier::run(const torch::Tensor& x, bool fast) {
  EvalModeGuard eval(module_);
  auto out = translate_errors(x, [&] {
    auto input = preprocess(x.to(options_.device, torch::kFloat32));
    auto shape = input.sizes().slice(1).vec();
    const bool accepted = std::find(accepted_shapes_.begin(), accepted_shapes_.end(), shape) != accepted_shapes_.end();
    // Only shapes the module itself accepted reach the copy, and never with gradients on.
    // (float32 models only: oneDNN's optimised convolutions are float32 kernels.)
    const bool use_copy = fast && accepted && !torch::GradMode::is_enabled() && model_dtype_ == torch::kFloat32;
    // Made at the first pass that can use it: a classifier that only ever takes gradients
    // (a transfer surrogate, made per batch) never pays for freezing.
    if (use_copy && !inference_tried_) {
      inference_module_ = make_inference_module(module_);
      inference_tried_ = true;
    }
    auto& module = use_copy && inference_module_ ? *inference_module_ : graph_module();
    auto result = run_passes(module, input);
    if (!accepted) accepted_shapes_.push_back(std::move(shape));
    return result;
  });
  num_classes_ = out.size(1);
  return out;
}

std::unique_ptr<GradientPass> TorchScriptClassifier::gradient_pass(const torch::Tensor& x) {
  const auto ranges = side_by_side_groups(x.size(0));
  if (ranges.size() <= 1) return Classifier::gradient_pass(x);
  EvalModeGuard eval(module_);
  auto pass = translate_errors(x, [&] {
    auto& module = graph_module();  // made here, not in the groups' threads
    torch::AutoGradMode grad_on(true);
    auto input = x.detach().to(options_.device, torch::kFloat32);
    std::vector<GroupedPass::Group> groups;
    for (const auto& [begin, end] : ranges)
      groups.push_back({begin, end, input.narrow(0, begin, end - begin).detach().requires_grad_(true), {}});
    run_side_by_side(static_cast<int64_t>(groups.size()), [&](int64_t i) {
      auto& g = groups[static_cast<size_t>(i)];
      g.output = run_in_fixed_rows(preprocess(g.input), pass_rows_,
                                   [&](const torch::Tensor& rows) { return forward(module, rows); });
    });
    return std::make_unique<GroupedPass>(std::move(groups), x.options());
  });
  auto shape = x.sizes().slice(1).vec();
  if (std::find(accepted_shapes_.begin(), accepted_shapes_.end(), shape) == accepted_shapes_.end())
    accepted_shapes_.push_back(std::move(shape));
  num_classes_ = pass->logits().size(1);
  return pass;
}

int64_t TorchScriptClassifier::num_classes() const {
  ADVLAB_CHECK(num_classes_ > 0, "number of classes unknown: probe the classifier first");
  return num_classes_;
}

}  // namespace advlab
