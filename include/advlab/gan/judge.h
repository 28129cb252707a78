#pragma once
// A trained classifier used to judge generated images: its predictions give the mode
// coverage, its penultimate-layer features the Fréchet distance (FID on the judge's
// features). Features come from the module's features(x) method (every built-in
// architecture has one); a built-in model saved before features() existed is rebuilt from
// its architecture name and weights; any other module falls back to its logits, and
// feature_kind() says which was used.
#include <torch/script.h>

#include <cstdint>
#include <string>
#include <vector>

namespace advlab::gan {

class Judge {
 public:
  // Throws advlab::Error if the module does not map [N, C, H, W] in [0,1] to [N, K >= 2].
  Judge(torch::jit::Module module, std::vector<int64_t> input_shape);
  // Loads a TorchScript classifier; throws advlab::Error for a missing or unreadable file.
  static Judge load(const std::string& path, std::vector<int64_t> input_shape);

  // Both run without gradients, in eval mode, in batches; inputs [N, C, H, W].
  torch::Tensor logits(const torch::Tensor& x);
  torch::Tensor features(const torch::Tensor& x);
  torch::Tensor predict(const torch::Tensor& x) { return logits(x).argmax(1); }

  int64_t num_classes() const { return num_classes_; }
  // "penultimate" (features method), "penultimate (rebuilt as ARCH)" or "logits".
  const std::string& feature_kind() const { return feature_kind_; }
  bool has_penultimate_features() const { return feature_kind_ != "logits"; }

 private:
  torch::Tensor batched(const torch::Tensor& x, const std::string& method);

  torch::jit::Module module_;
  std::vector<int64_t> input_shape_;
  int64_t num_classes_ = 0;
  std::string feature_kind_;
};

}  // namespace advlab::gan
