#include "advlab/gan/judge.h"

#include "advlab/core/error.h"
#include "advlab/core/torch_error_line.h"
#include "advlab/io/zip_check.h"
#include "advlab/models/architectures.h"

#include <torch/torch.h>

#include <algorithm>
#include <fstream>
#include <map>

namespace advlab::gan {

namespace {

constexpr int64_t kJudgeBatch = 500;

// A built-in architecture saved before features() existed: rebuild it (same name, shape,
// classes) and copy the weights in, if every parameter and buffer matches by name and shape.
bool judge_rebuild_with_features(torch::jit::Module& module) {
  if (!module.hasattr("architecture") || !module.hasattr("input_shape") ||
      !module.hasattr("num_classes"))
    return false;
  auto arch = module.attr("architecture");
  auto shape = module.attr("input_shape");
  if (!arch.isString() || !shape.isIntList() || shape.toIntVector().size() != 3) return false;
  auto names = models::architecture_names();
  if (std::find(names.begin(), names.end(), arch.toStringRef()) == names.end()) return false;
  auto dims = shape.toIntVector();
  models::ArchitectureOptions options;
  options.in_channels = dims[0];
  options.height = dims[1];
  options.width = dims[2];
  options.num_classes = module.attr("num_classes").toInt();
  torch::jit::Module rebuilt;
  try {
    rebuilt = models::make_architecture(arch.toStringRef(), options);
  } catch (const Error&) {
    return false;
  }
  std::map<std::string, torch::Tensor> saved;
  for (const auto& p : module.named_parameters()) saved.emplace(p.name, p.value);
  for (const auto& b : module.named_buffers()) saved.emplace(b.name, b.value);
  size_t matched = 0;
  for (const auto& p : rebuilt.named_parameters()) {
    auto it = saved.find(p.name);
    if (it == saved.end() || it->second.sizes() != p.value.sizes()) return false;
    ++matched;
  }
  for (const auto& b : rebuilt.named_buffers()) {
    auto it = saved.find(b.name);
    if (it == saved.end() || it->second.sizes() != b.value.sizes()) return false;
    ++matched;
  }
  if (matched != saved.size()) return false;
  torch::NoGradGuard no_grad;
  for (const auto& p : rebuilt.named_parameters()) p.value.copy_(saved.at(p.name));
  for (const auto& b : rebuilt.named_buffers()) b.value.copy_(saved.at(b.name));
  rebuilt.eval();
  module = rebuilt;
  return true;
}

}  // namespace

Judge::Judge(torch::jit::Module module, std::vector<int64_t> input_shape)
    : module_(std::move(module)), input_shape_(std::move(input_shape)) {
  ADVLAB_CHECK(input_shape_.size() == 3, "judge: input shape must be [C, H, W]");
  module_.eval();
  if (module_.find_method("features")) {
    feature_kind_ = "penultimate";
  } else if (judge_rebuild_with_features(module_)) {
    feature_kind_ = "penultimate (rebuilt as " + module_.attr("architecture").toStringRef() + ")";
  } else {
    feature_kind_ = "logits";
  }
  std::vector<int64_t> shape{2};
  shape.insert(shape.end(), input_shape_.begin(), input_shape_.end());
  torch::Tensor out;
  try {
    out = logits(torch::full(shape, 0.5));
  } catch (const std::exception& e) {
    std::string msg = torch_error_line(e.what());
    throw Error(c10::str("judge: the model cannot classify images of shape [", c10::Join(", ", input_shape_),
                         "]: ", msg.substr(0, msg.find('\n'))));
  }
  ADVLAB_CHECK(out.dim() == 2 && out.size(1) >= 2,
               "judge: model output must be [N, classes] with at least 2 classes, got ", out.sizes());
  num_classes_ = out.size(1);
}

Judge Judge::load(const std::string& path, std::vector<int64_t> input_shape) {
  ADVLAB_CHECK(std::ifstream(path).good(), "judge model not found or unreadable: ", path);
  torch::jit::Module module;
  io::verify_zip_checksums(path);  // torch does not check the archive's CRCs
  try {
    module = torch::jit::load(path, torch::kCPU);
  } catch (const std::exception&) {
    throw Error(c10::str("judge model is not a TorchScript archive (corrupt or wrong format): ", path));
  }
  return Judge(std::move(module), std::move(input_shape));
}

torch::Tensor Judge::batched(const torch::Tensor& x, const std::string& method) {
  ADVLAB_CHECK(x.dim() == 4 && x.sizes().slice(1).vec() == input_shape_, "judge: expected images [N, ",
               c10::Join(", ", input_shape_), "], got ", x.sizes());
  torch::NoGradGuard no_grad;
  auto fn = module_.get_method(method);
  std::vector<torch::Tensor> parts;
  for (int64_t i = 0; i < x.size(0); i += kJudgeBatch) {
    auto batch = x.slice(0, i, std::min(i + kJudgeBatch, x.size(0))).to(torch::kFloat32);
    parts.push_back(fn({batch}).toTensor().flatten(1));
  }
  return torch::cat(parts);
}

torch::Tensor Judge::logits(const torch::Tensor& x) { return batched(x, "forward"); }

torch::Tensor Judge::features(const torch::Tensor& x) {
  return batched(x, has_penultimate_features() ? "features" : "forward");
}

}  // namespace advlab::gan
