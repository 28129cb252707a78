#pragma once
// Adversarial training objectives, to plug into models::TrainOptions::objective:
//   pgd     Madry et al. 2018: train on PGD examples (random start, `steps` steps).
//   trades  Zhang et al. 2019: CE on clean inputs + beta * KL(f(x) || f(x')), with x'
//           maximising that KL inside the eps-ball.
//   fgsm-rs Wong et al. 2020 ("Fast is better than free"): one FGSM step of 1.25*eps
//           from a uniform random start.
// Adversarial inputs are crafted with the module in eval mode (batch-norm statistics are
// not disturbed by the attack) and the loss is taken in train mode.
#include "advlab/core/bounds.h"
#include "advlab/models/train_objective.h"

#include <torch/arg.h>

#include <memory>
#include <string>
#include <vector>

namespace advlab::defenses {

struct AdversarialTrainingOptions {
  AdversarialTrainingOptions(std::string method, double eps) : method_(std::move(method)), eps_(eps) {}

  TORCH_ARG(std::string, method);  // pgd | trades | fgsm-rs
  TORCH_ARG(double, eps);
  TORCH_ARG(std::string, norm) = "linf";
  TORCH_ARG(int64_t, steps) = 10;        // pgd and trades inner steps
  TORCH_ARG(double, step_size) = 0;      // 0: 2.5*eps/steps (pgd, trades), 1.25*eps (fgsm-rs)
  TORCH_ARG(double, beta) = 6.0;         // trades: weight of the robustness term
  TORCH_ARG(Bounds, bounds) = Bounds{};  // the model's input range
};

std::vector<std::string> adversarial_training_methods();

// Throws advlab::Error for an unknown method or norm, eps <= 0, steps < 1, beta < 0.
std::shared_ptr<models::TrainObjective> make_adversarial_objective(const AdversarialTrainingOptions& options);

}  // namespace advlab::defenses
