#pragma once
// What one training step minimises. Plain training minimises cross-entropy on the batch;
// adversarial training (advlab/defenses) supplies objectives that first craft adversarial
// inputs. The trainer owns the loop, the optimiser, checkpoints and progress.
#include <ATen/core/Generator.h>
#include <torch/script.h>

#include <string>

namespace advlab::models {

struct ObjectiveOutput {
  torch::Tensor loss;    // scalar, differentiable in the module's parameters
  torch::Tensor logits;  // [B, K] the accuracy shown in the progress line is measured on
};

class TrainObjective {
 public:
  virtual ~TrainObjective() = default;
  // Name and every setting, e.g. "pgd(eps=0.1, norm=linf, steps=10)". Stored in the
  // checkpoint: resuming with another objective is refused.
  virtual std::string describe() const = 0;
  // Called with the module in train mode on batch x [B, ...], labels y [B]. `gen` is
  // seeded from (seed, epoch), so a resumed run draws the same numbers.
  virtual ObjectiveOutput operator()(torch::jit::Module& module, const torch::Tensor& x,
                                     const torch::Tensor& y, at::Generator& gen) = 0;
};

class CrossEntropyObjective : public TrainObjective {
 public:
  std::string describe() const override { return "cross-entropy"; }
  ObjectiveOutput operator()(torch::jit::Module& module, const torch::Tensor& x,
                             const torch::Tensor& y, at::Generator& gen) override;
};

// Puts a module in eval mode for one scope and gives back the mode it had.
class ModuleEvalScope {
 public:
  explicit ModuleEvalScope(torch::jit::Module& m) : module_(m), was_training_(m.is_training()) {
    module_.eval();
  }
  ~ModuleEvalScope() { module_.train(was_training_); }
  ModuleEvalScope(const ModuleEvalScope&) = delete;
  ModuleEvalScope& operator=(const ModuleEvalScope&) = delete;

 private:
  torch::jit::Module& module_;
  bool was_training_;
};

}  // namespace advlab::models
