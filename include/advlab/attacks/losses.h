#pragma once
// Losses an attack maximises, per sample. Each reads the criterion: untargeted losses
// push away from the true label, targeted ones towards the target.
#include "advlab/criteria/criterion.h"

#include <memory>
#include <string>
#include <vector>

namespace advlab {

class AttackLoss {
 public:
  virtual ~AttackLoss() = default;
  virtual std::string name() const = 0;
  // Per-sample loss [N] to maximise, differentiable in logits [N, K].
  virtual torch::Tensor operator()(const torch::Tensor& logits, const Criterion& criterion) const = 0;
};

// Cross-entropy: CE(z, y) untargeted, -CE(z, t) targeted.
class CrossEntropyLoss : public AttackLoss {
 public:
  std::string name() const override { return "ce"; }
  torch::Tensor operator()(const torch::Tensor& logits, const Criterion& criterion) const override;
};

// Carlini-Wagner margin: max_{j!=y} z_j - z_y untargeted, z_t - max_{j!=t} z_j targeted,
// capped at `confidence` (kappa) so samples beyond it stop pulling the step.
class MarginLoss : public AttackLoss {
 public:
  explicit MarginLoss(double confidence = 1e9) : confidence_(confidence) {}
  std::string name() const override { return "margin"; }
  torch::Tensor operator()(const torch::Tensor& logits, const Criterion& criterion) const override;

 private:
  double confidence_;
};

// Difference of logits ratio (Croce & Hein 2020); invariant to shifting and scaling the
// logits. Untargeted: -(z_y - max_{j!=y} z_j) / (z_(1) - z_(3)), needs >= 3 classes.
// Targeted: targeted_dlr with y = the strongest class other than the target t, which is
// the predicted class while the attack has not yet succeeded; needs >= 4 classes.
class DlrLoss : public AttackLoss {
 public:
  std::string name() const override { return "dlr"; }
  torch::Tensor operator()(const torch::Tensor& logits, const Criterion& criterion) const override;
};

// Targeted DLR (Croce & Hein 2020): -(z_y - z_t) / (z_(1) - (z_(3) + z_(4)) / 2), with
// z_(i) the i-th largest logit, for reference classes y [N] and targets t [N]. Positive
// once z_t > z_y. Needs >= 4 classes.
torch::Tensor targeted_dlr(const torch::Tensor& logits, const torch::Tensor& labels,
                           const torch::Tensor& targets);

// One set of loss names for every attack, white-box and score-based: "ce", "margin"
// ("cw" names the same loss, after Carlini & Wagner) and, with logits, "dlr".
std::vector<std::string> loss_names();
// The names score-based black-box attacks accept: they see log-probabilities, on which
// DLR's ratio of logit gaps has no meaning.
std::vector<std::string> score_loss_names();
// "cw" -> "margin"; other names as they are.
std::string canonical_loss_name(const std::string& name);
// One of loss_names(); throws advlab::Error otherwise.
std::shared_ptr<AttackLoss> make_loss(const std::string& name);

// max_{j != c_i} z_ij for classes c [N].
torch::Tensor max_other_logit(const torch::Tensor& logits, const torch::Tensor& classes);

}  // namespace advlab
