#pragma once
// Trains an AdvGAN generator (Xiao et al. 2018) against a target classifier. Per batch:
//   D step  LSGAN: D(x) -> 1, D(x + delta) -> 0;
//   G step  CW loss of the victim on clip(x + delta) (untargeted: the true class below the
//           best other, targeted: the target above the rest, each down to -kappa)
//           + alpha * LSGAN loss (D(x + delta) -> 1) + beta * mean(max(0, ||delta||_2 - c)).
// The victim is
//   semi-white-box  the target model itself (its gradients are used during training only);
//   black-box       a distilled small-cnn (dynamic distillation): first fitted to the
//                   oracle's probabilities on the training images, then after each G step
//                   fine-tuned on the oracle's answers for the current x + delta. The target
//                   is only called in no-grad forward passes, and every image sent counts
//                   as one query.
// One checkpoint per epoch (networks, optimizers, history, query count; randomness is
// derived from (seed, epoch)), so a resumed run ends bitwise where an uninterrupted one does.
#include "advlab/data/dataset.h"
#include "advlab/models/classifier.h"

#include <nlohmann/json.hpp>
#include <torch/arg.h>

#include <iosfwd>
#include <string>
#include <vector>

namespace advlab::gan {

struct AdvGanOptions {
  using ProgressStream = std::ostream*;
  explicit AdvGanOptions(double eps) : eps_(eps) {}

  // c in effect for inputs of `dims` values per image.
  double effective_hinge_bound(int64_t dims) const;
  nlohmann::json to_json() const;

  TORCH_ARG(double, eps);
  TORCH_ARG(std::string, norm) = "linf";  // linf | l2
  TORCH_ARG(int64_t, target) = -1;        // fixed target class; -1 = untargeted
  TORCH_ARG(int64_t, epochs) = 5;
  TORCH_ARG(int64_t, batch_size) = 128;
  TORCH_ARG(double, lr) = 3e-3;           // Adam, generator and discriminator
  TORCH_ARG(double, alpha) = 0.1;         // GAN loss weight
  TORCH_ARG(double, beta) = 1.0;          // hinge weight
  // Hinge bound c on ||delta||_2; <= 0: eps for l2, the L-inf ball's L2 radius
  // (eps * sqrt(C*H*W), i.e. no pull beyond the budget) for linf.
  TORCH_ARG(double, hinge_bound) = 0;
  TORCH_ARG(double, kappa) = 5.0;  // CW confidence (logit margin asked for)
  TORCH_ARG(uint64_t, seed) = 0;
  TORCH_ARG(std::string, checkpoint_path) = "";  // empty: no checkpoints
  TORCH_ARG(bool, resume) = false;               // continue from checkpoint_path if it exists
  TORCH_ARG(ProgressStream, progress) = nullptr;
  TORCH_ARG(bool, blackbox) = false;
  TORCH_ARG(int64_t, distill_epochs) = 2;  // black-box: initial fit of the distilled model
  TORCH_ARG(double, distill_lr) = 1e-3;
};

struct AdvGanEpochStats {
  int64_t epoch = 0;  // 1-based
  double adv_loss = 0, gan_loss = 0, hinge_loss = 0, d_loss = 0;
  double distill_loss = 0;  // black-box only
  // Fraction of the epoch's x + delta that fooled the target: judged on the target's own
  // logits of the G step (semi-white-box) or the oracle's answers used for distillation.
  double success = 0;
  double mean_l2 = 0;    // of delta
  int64_t queries = 0;   // total oracle queries so far (black-box)
  double seconds = 0;
};

struct AdvGanSummary {
  torch::jit::Module generator;  // eval mode, the file contract of advgan_networks.h
  std::vector<AdvGanEpochStats> history;
  int64_t queries = 0;  // oracle queries in total (black-box; 0 otherwise)
  nlohmann::json to_json() const;
};

// Throws advlab::Error for bad options, an empty or mis-shaped dataset, a target class
// outside the model's classes, or a checkpoint trained with other settings.
AdvGanSummary train_advgan(Classifier& target, const data::Dataset& train, const AdvGanOptions& options);

}  // namespace advlab::gan
