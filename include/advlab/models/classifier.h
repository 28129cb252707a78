#pragma once
// A Classifier maps a batch of inputs inside bounds() to logits [N, num_classes()].
// Preprocessing (mean/std) lives inside the classifier, so attacks always work in the
// input space the user sees. logits() is differentiable with respect to its input.
#include "advlab/core/bounds.h"

#include <torch/script.h>
#include <torch/types.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace advlab {

struct ClassifierOptions {
  Bounds bounds{};
  std::vector<double> mean{};  // per channel; empty = no normalisation
  std::vector<double> std{};   // per channel; empty = no normalisation
  torch::Device device = torch::kCPU;
};

class Classifier {
 public:
  virtual ~Classifier() = default;

  // Logits for a batch x [N, ...] on device(); keeps the autograd graph to x.
  virtual torch::Tensor logits(const torch::Tensor& x) = 0;
  virtual Bounds bounds() const = 0;
  virtual torch::Device device() const = 0;
  // Known after probe() or the first logits() call.
  virtual int64_t num_classes() const = 0;

  // Runs one input of `sample_shape` ([C, H, W]) through the model and checks the
  // output is [1, K] with K >= 2; throws advlab::Error otherwise. Returns K.
  int64_t probe(const std::vector<int64_t>& sample_shape);

  // Predicted class per sample, without building a graph; evaluated in batches.
  torch::Tensor predict(const torch::Tensor& x, int64_t batch_size = 256);

  // Throws advlab::Error naming `what` (e.g. "model m.pt") if any logit on x is NaN or
  // inf: such outputs would turn into "accuracy 0" instead of an answer.
  void require_finite_logits(const torch::Tensor& x, const std::string& what, int64_t batch_size = 256);
};

// A Classifier over a TorchScript module (trained by advlab, or traced/scripted in
// PyTorch). Forward passes run in eval mode; the module's own mode is restored after.
class TorchScriptClassifier : public Classifier {
 public:
  TorchScriptClassifier(torch::jit::Module module, ClassifierOptions options = {});
  // Loads a TorchScript file; throws advlab::Error for a missing, unreadable or damaged
  // file (io::verify_zip_checksums), or for a mean/std that is not finite.
  static std::shared_ptr<TorchScriptClassifier> load(const std::string& path,
                                                     ClassifierOptions options = {});

  torch::Tensor logits(const torch::Tensor& x) override;
  Bounds bounds() const override { return options_.bounds; }
  torch::Device device() const override { return options_.device; }
  int64_t num_classes() const override;

  torch::jit::Module& module() { return module_; }
  const ClassifierOptions& options() const { return options_; }

 private:
  torch::Tensor preprocess(const torch::Tensor& x) const;

  torch::jit::Module module_;
  ClassifierOptions options_;
  torch::Tensor mean_, std_;  // [1, C, 1, 1] or undefined
  int64_t num_classes_ = 0;
};

}  // namespace advlab
