#pragma once
// Auto-PGD (Croce & Hein 2020, "Reliable evaluation of adversarial robustness with an
// ensemble of diverse parameter-free attacks"; L1: Croce & Hein 2021, "Mind the box").
// PGD without a step-size parameter: the step starts at 2*eps (eps for L1) and shrinks on
// a schedule driven by the loss itself (see apgd_schedule.h), with momentum, restarting
// from the best point whenever it shrinks. Three registered variants share this class:
//  - apgd-ce:  cross-entropy loss;
//  - apgd-dlr: difference-of-logits-ratio loss (>= 3 classes; targeted form >= 4);
//  - apgd-t:   targeted DLR loss. With an untargeted criterion it tries, in turn, the
//              `target_classes` most likely wrong classes of each sample, each only on the
//              samples not yet broken (AutoAttack's APGD-T), or the nearest classes by
//              MALT's linearised distance (target_order=malt); with a targeted criterion
//              it attacks the given targets.
// White-box; untargeted or targeted; L-inf, L2, L1. Every iterate is checked: the first
// adversarial found is kept (never lost), samples stop costing compute once broken, and
// samples never broken come back unchanged.
#include "advlab/attacks/gradient/bounded_gradient_attack.h"
#include "advlab/attacks/param_table.h"

#include <torch/arg.h>

namespace advlab {

enum class ApgdVariant { kCe, kDlr, kTargeted };

struct ApgdOptions {
  explicit ApgdOptions(double eps) : eps_(eps) {}
  static const ParamTable<ApgdOptions>& table(ApgdVariant variant);

  TORCH_ARG(double, eps);
  TORCH_ARG(ApgdVariant, variant) = ApgdVariant::kCe;
  TORCH_ARG(std::string, norm) = "linf";
  // Gradient evaluations per run (AutoAttack's default).
  TORCH_ARG(int64_t, n_iter) = 100;
  TORCH_ARG(int64_t, restarts) = 1;  // runs per target; later runs only for samples not yet broken
  // Fraction of loss-raising steps below which a checkpoint halves the step (L-inf, L2).
  TORCH_ARG(double, rho) = 0.75;
  // apgd-t with an untargeted criterion: how many of the most likely wrong classes to try.
  TORCH_ARG(int64_t, target_classes) = 9;
  // Which classes those are: "logit" (the most likely by the clean logits, AutoAttack's
  // order) or "malt" (the nearest by the linearised distance among the `candidates` most
  // likely; target_sweep.h). With few targets MALT reaches more samples.
  TORCH_ARG(std::string, target_order) = "logit";
  TORCH_ARG(int64_t, candidates) = 20;
  // Runs (targets x restarts) side by side while so few samples are left that a run
  // would not fill the model's padded calls (runs_side_by_side, target_sweep.h): the same
  // adversarials, fewer calls; false = always in turn. In a stack, a sample's counts
  // include the runs it did next to the one that broke it.
  TORCH_ARG(bool, stack_runs) = true;
  // L1 only (AutoAttack's L1 recipe, Croce & Hein 2021): each run spends 30% of its steps
  // in a ball of 3 eps, 30% in one of 2 eps and the rest in the eps-ball, each stage
  // starting from the highest-loss point of the last one projected onto the smaller ball;
  // only iterates within eps count as adversarial. The wide first stages get past the box
  // on images with a black background, where the sparse step stalls. Ignored for L-inf, L2.
  TORCH_ARG(bool, large_eps) = true;
};

class Apgd : public BoundedGradientAttack {
 public:
  explicit Apgd(ApgdOptions options);
  nlohmann::json options_json() const override;

 protected:
  torch::Tensor perturb(AttackContext& context, const torch::Tensor& x,
                        const Criterion& criterion) override;

 private:
  // One run for the samples `rows` of x (repeats allowed). `success` and `goal` are
  // already narrowed to rows: what is adversarial, and what the loss pursues (a target for
  // apgd-t, else `success`). Found adversarials go to entries `slots` of `best`.
  void run_once(AttackContext& context, const torch::Tensor& x, const Criterion& success, const Criterion& goal,
                const torch::Tensor& rows, class BestAdversarial& best, const torch::Tensor& slots);
  // The stages of one run: (ball radius over eps, gradient steps); one stage of
  // (1, steps) unless large_eps applies.
  std::vector<std::pair<double, int64_t>> eps_stages() const;
  // APGD-T's runs (target t, restart r), t-major, from `first` on, side by side for the
  // samples `rows` not yet broken (CPU), each on its own copy of the sample: the same
  // adversarials as running them in turn (every run of a sample draws its start in the
  // same order, and the first run to succeed is the one kept), with fewer padded calls.
  void runs_together(AttackContext& context, const torch::Tensor& x, const Criterion& criterion,
                     const torch::Tensor& rows, const torch::Tensor& targets, int64_t first, int64_t count,
                     class BestAdversarial& best);

  ApgdOptions options_;
};

}  // namespace advlab
