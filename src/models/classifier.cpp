#include "advlab/models/classifier.h"

#include "advlab/core/error.h"
#include "advlab/core/torch_error_line.h"
#include "advlab/io/zip_check.h"
#include "advlab/models/fixed_row_passes.h"
#include "advlab/models/inference_module.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <fstream>

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

torch::Tensor channel_tensor(const std::vector<double>& v, torch::Device device) {
  return torch::tensor(v, torch::kFloat32).view({1, -1, 1, 1}).to(device);
}

// The cause, not the interpreter's generic first line, and what advlab fed the model.
Error forward_error(const std::string& what, const torch::Tensor& x, const Bounds& bounds) {
  return Error(c10::str("model forward failed: ", torch_error_line(what), " (advlab gave it ", x.sizes(),
                        " float32 images in [", bounds.lower, ", ", bounds.upper, "])"));
}

}  // namespace

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
  auto out = module.forward({x}).toTensor();
  ADVLAB_CHECK(out.dim() == 2 && out.size(0) == x.size(0),
               "model output must be [N, classes], got ", out.sizes(), " for input ", x.sizes());
  return out;
}

torch::Tensor TorchScriptClassifier::logits(const torch::Tensor& x) { return run(x, /*fast=*/false); }

torch::Tensor TorchScriptClassifier::query_logits(const torch::Tensor& x) {
  torch::NoGradGuard no_grad;
  return run(x, fast_copy_allowed());
}

torch::Tensor TorchScriptClassifier::run(const torch::Tensor& x, bool fast) {
  EvalModeGuard eval(module_);
  torch::Tensor out;
  try {
    auto input = preprocess(x.to(options_.device, torch::kFloat32));
    auto shape = input.sizes().slice(1).vec();
    const bool accepted = std::find(accepted_shapes_.begin(), accepted_shapes_.end(), shape) != accepted_shapes_.end();
    // Only shapes the module itself accepted reach the copy, and never with gradients on.
    fast = fast && accepted && !torch::GradMode::is_enabled();
    // Made at the first pass that can use it: a classifier that only ever takes gradients
    // (a transfer surrogate, made per batch) never pays for freezing.
    if (fast && !inference_tried_) {
      inference_module_ = make_inference_module(module_);
      inference_tried_ = true;
    }
    auto& module = fast && inference_module_ ? *inference_module_ : module_;
    out = run_in_fixed_rows(input, pass_rows_, [&](const torch::Tensor& rows) { return forward(module, rows); });
    if (!accepted) accepted_shapes_.push_back(std::move(shape));
  } catch (const Error&) {
    throw;
  } catch (const c10::Error& e) {
    throw forward_error(e.what_without_backtrace(), x, options_.bounds);
  } catch (const std::exception& e) {  // torch::jit::JITException: a raise or assert in the model
    throw forward_error(e.what(), x, options_.bounds);
  }
  num_classes_ = out.size(1);
  return out;
}

int64_t TorchScriptClassifier::num_classes() const {
  ADVLAB_CHECK(num_classes_ > 0, "number of classes unknown: probe the classifier first");
  return num_classes_;
}

}  // namespace advlab
