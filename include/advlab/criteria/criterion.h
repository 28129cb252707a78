#pragma once
// A Criterion decides, from a model's logits, which samples are adversarial.
// Untargeted: the prediction differs from the true label. Targeted: the prediction is
// the sample's target class. Criteria hold one class per sample and can be narrowed to
// a subset of rows, so attacks can work only on the samples still to be broken.
#include <torch/types.h>

#include <memory>
#include <string>

namespace advlab {

class Criterion {
 public:
  virtual ~Criterion() = default;
  // bool [N]: is each row of logits [N, K] adversarial?
  virtual torch::Tensor is_adversarial(const torch::Tensor& logits) const = 0;
  virtual bool targeted() const = 0;
  // int64 [N]: the true labels (untargeted) or the target classes (targeted).
  virtual const torch::Tensor& classes() const = 0;
  // The same criterion restricted to the given rows (int64 index tensor).
  virtual std::shared_ptr<Criterion> select(const torch::Tensor& rows) const = 0;
  virtual std::string name() const = 0;
};

class Misclassification : public Criterion {
 public:
  explicit Misclassification(torch::Tensor labels);
  torch::Tensor is_adversarial(const torch::Tensor& logits) const override;
  bool targeted() const override { return false; }
  const torch::Tensor& classes() const override { return labels_; }
  std::shared_ptr<Criterion> select(const torch::Tensor& rows) const override;
  std::string name() const override { return "misclassification"; }

 private:
  torch::Tensor labels_;
};

class TargetedMisclassification : public Criterion {
 public:
  explicit TargetedMisclassification(torch::Tensor targets);
  torch::Tensor is_adversarial(const torch::Tensor& logits) const override;
  bool targeted() const override { return true; }
  const torch::Tensor& classes() const override { return targets_; }
  std::shared_ptr<Criterion> select(const torch::Tensor& rows) const override;
  std::string name() const override { return "targeted"; }

 private:
  torch::Tensor targets_;
};

}  // namespace advlab
