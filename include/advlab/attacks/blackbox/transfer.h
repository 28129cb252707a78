#pragma once
// Transfer attack (Papernot, McDaniel, Goodfellow, Jha, Celik, Swami 2017, "Practical
// Black-Box Attacks against Machine Learning"). A white-box attack from the registry is
// run on a surrogate model and its results are checked on the oracle. The surrogate is
// either given (a TorchScript file) or a substitute trained from the oracle's labels with
// Jacobian-based dataset augmentation: start from the batch, label it with the oracle,
// train a small CNN, add x + lambda * sign(d log p_label / dx) for every point, relabel,
// retrain, for a few rounds. Each label query is charged to the batch sample the point
// descends from. Black-box (label-based; scores allowed but only their argmax is used);
// untargeted or targeted; L-inf, L2.
#include "advlab/attacks/blackbox/black_box_attack.h"
#include "advlab/attacks/param_table.h"
#include "advlab/models/classifier.h"

#include <torch/arg.h>

#include <functional>

namespace advlab {

struct TransferOptions {
  explicit TransferOptions(double eps) : eps_(eps) {}
  static const ParamTable<TransferOptions>& table();

  TORCH_ARG(double, eps);
  TORCH_ARG(std::string, norm) = "linf";
  TORCH_ARG(int64_t, queries) = 50;  // per-sample budget (<= 0 unlimited)
  TORCH_ARG(std::string, output) = "label";
  TORCH_ARG(std::string, surrogate) = "";  // TorchScript file; empty: train a substitute
  TORCH_ARG(std::string, attack) = "";     // white-box attack; empty: fgsm (transfers best here)
  TORCH_ARG(double, confidence) = 2.0;     // logit margin asked of the surrogate first (0: none)
  // Substitute training (no surrogate given).
  TORCH_ARG(std::string, substitute) = "lenet";  // advlab architecture
  TORCH_ARG(int64_t, rounds) = 3;                // augmentation rounds: 2^rounds points per sample
  TORCH_ARG(double, lambda) = 0.1;               // augmentation step
  TORCH_ARG(int64_t, epochs) = 10;               // training epochs per round
};

// Trains `module` (a fresh substitute) on labelled points for `epochs` from `seed`: the
// caller's training loop, injected so that attacks/ does not depend on the trainer.
using SubstituteFit = std::function<void(torch::jit::Module& module, const torch::Tensor& images,
                                         const torch::Tensor& labels, int64_t num_classes, int64_t epochs,
                                         uint64_t seed)>;

class TransferAttack : public BlackBoxAttack {
 public:
  // Without a surrogate file, `fit` trains the substitute (make_attack injects advlab's
  // trainer); throws advlab::Error when neither is given.
  explicit TransferAttack(TransferOptions options, SubstituteFit fit = {});
  nlohmann::json options_json() const override;

 protected:
  torch::Tensor attack(Oracle& oracle, const torch::Tensor& x, const Criterion& criterion) override;

 private:
  // A substitute trained on oracle labels of x and its Jacobian augmentations.
  std::shared_ptr<Classifier> train_substitute(Oracle& oracle, const torch::Tensor& x);

  TransferOptions options_;
  SubstituteFit fit_;
  std::string attack_name_;
  std::unique_ptr<Attack> white_box_;
  std::shared_ptr<TorchScriptClassifier> surrogate_;  // loaded from options_.surrogate()
};

}  // namespace advlab
