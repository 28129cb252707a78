#pragma once
// FAB, the Fast Adaptive Boundary attack (Croce & Hein, ICML 2020, "Minimally distorted
// adversarial examples with a fast adaptive boundary attack"): a minimum-norm attack.
// Each step linearises the classifier at the iterate, takes the closest linearised
// decision boundary, and moves to a biased convex combination of the minimal-norm
// projections (within the box) of the iterate and of the original point onto it; once an
// iterate is adversarial it steps back towards the original. Restarts start from random
// points at half the best distance found so far. The smallest adversarial is returned.
// White-box; untargeted or targeted; L-inf, L2, L1.
//
//   fab   untargeted: closest boundary among all classes; targeted: the target's boundary
//         against the strongest other class.
//   fab-t FAB-T as in AutoAttack: untargeted, targeted FAB towards each of the
//         `target_classes` most likely other classes in turn (success is still any
//         misclassification), each only on samples not yet broken within eps; without
//         eps (minimum-norm) every target runs on every sample and the closest
//         adversarial over the targets is kept; with a targeted criterion it is fab.
#include "advlab/attacks/attack.h"
#include "advlab/attacks/gradient/boundary_projection.h"
#include "advlab/attacks/param_table.h"

#include <torch/arg.h>

namespace advlab {

class BestAdversarial;

struct FabOptions {
  // `fab_t` reads fab-t's extra option (target_classes); fab rejects it as unknown.
  static const ParamTable<FabOptions>& table(bool fab_t = false);

  TORCH_ARG(std::string, norm) = "linf";
  TORCH_ARG(int64_t, n_iter) = 100;  // AutoAttack's
  TORCH_ARG(int64_t, restarts) = 1;  // runs per target (fab-t) or in all (fab)
  TORCH_ARG(double, alpha_max) = 0.1;
  TORCH_ARG(double, eta) = 1.05;
  TORCH_ARG(double, beta) = 0.9;
  // Optional budget: success means distance <= eps; it also caps restart radii, and
  // samples broken within it are not restarted.
  TORCH_ARG(std::optional<double>, eps) = std::nullopt;
  TORCH_ARG(int64_t, target_classes) = 9;  // fab-t only
  // fab-t with one run per target: targets side by side while few samples are left (as
  // apgd-t's stack_runs: the same adversarials, fewer padded model calls).
  TORCH_ARG(bool, stack_runs) = true;
};

// Which linearised boundaries one run uses, per sample: the pairs (toward, away) whose
// logit difference z_toward - z_away must become positive. away = -1 means the strongest
// class other than toward at the iterate. Fixed for a run; [n, replicas].
struct FabPlanes {
  torch::Tensor toward, away;
};

class Fab : public Attack {
 public:
  explicit Fab(FabOptions options) : Fab(std::move(options), "fab") {}
  nlohmann::json options_json() const override;
  static constexpr bool kMinimumNorm = true;
  bool minimum_norm() const override { return kMinimumNorm; }
  bool eps_steers_search() const override { return true; }  // eps caps the restart radii and ends a sample once within it

 protected:
  torch::Tensor perturb(AttackContext& context, const torch::Tensor& x,
                        const Criterion& criterion) override;

  Fab(FabOptions options, std::string name);
  const FabOptions& options() const { return options_; }
  // Samples not yet within eps (without eps: not yet broken at all when `refine` is
  // false, every sample when it is true).
  torch::Tensor unfinished(const BestAdversarial& best, bool refine) const;
  // One run of n_iter FAB steps on the samples `rows` of x (repeats allowed), from x
  // itself or from a random point at half the current best distance. `slots` [rows] are
  // the entries of planes, best and reach that belong to each row (undefined = rows).
  void run_once(AttackContext& context, const torch::Tensor& x, const Criterion& criterion,
                const torch::Tensor& rows, const FabPlanes& planes, BestAdversarial& best,
                torch::Tensor& reach, bool random_start, torch::Tensor slots = {});
  // The planes of plain FAB: all other classes (untargeted) or the target (targeted).
  static FabPlanes default_planes(const Criterion& criterion, int64_t num_classes);

 private:
  torch::Tensor start_point(AttackContext& context, const torch::Tensor& x0,
                            const torch::Tensor& best_distance, const torch::Tensor& reach,
                            const torch::Tensor& local) const;

  // The linearised-boundary geometry of the run's norm.
  const BoundaryGeometry& geometry() const { return boundary_geometry(threat().name()); }

  FabOptions options_;
};

class FabT : public Fab {
 public:
  explicit FabT(FabOptions options) : Fab(std::move(options), "fab-t") {}

 protected:
  torch::Tensor perturb(AttackContext& context, const torch::Tensor& x,
                        const Criterion& criterion) override;

 private:
  // Targets first .. first + count - 1 of `ranked` side by side on the unfinished samples
  // `rows` (CPU), each on its own copy of the sample, merged into `best` target by target:
  // the same adversarials as running them in turn (one run per target, no random start).
  void targets_together(AttackContext& context, const torch::Tensor& x, const Criterion& criterion,
                        const torch::Tensor& rows, const torch::Tensor& ranked, int64_t first, int64_t count,
                        BestAdversarial& best);
};

}  // namespace advlab
