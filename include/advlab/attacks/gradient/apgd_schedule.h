#pragma once
// The norm-specific half of Auto-PGD: how a step is taken and when and how the step size
// shrinks. Chosen once per attack, so the APGD loop itself never branches on the norm.
//  - L-inf / L2 (Croce & Hein 2020): momentum 0.75, step 2*eps, halved at checkpoints
//    w_j = ceil(p_j * n_iter) when the loss rose in fewer than rho of the steps since the
//    last checkpoint, or when neither the step nor the best loss changed; a halving
//    restarts from the best point.
//  - L1 (Croce & Hein 2021, "Mind the box"): no momentum, a sparse direction over the
//    top-k gradient coordinates with k adapted to the sparsity of the best point, step
//    eps divided by 1.5 at fixed checkpoints (every 4% of the run), reset to eps (with a
//    restart from the best point) when the best point got sparser.
#include "advlab/core/bounds.h"
#include "advlab/threat/threat_model.h"

#include <memory>
#include <vector>

namespace advlab::detail_apgd {

// Per-sample state of one APGD run; every tensor has the active samples as first dim.
struct ApgdState {
  torch::Tensor rows;                  // indices into the attack's batch
  torch::Tensor slots;                 // entries of the BestAdversarial the run fills
  torch::Tensor origin, eps;           // clean inputs and budgets [n]
  torch::Tensor x, x_prev, grad;       // iterate, previous iterate, gradient at x
  torch::Tensor x_best, grad_best;     // highest-loss point so far and its gradient
  torch::Tensor loss_best, loss_prev;  // [n]
  torch::Tensor increases;             // [n] steps since the last checkpoint that raised the loss
  torch::Tensor step;                  // [n] step size
  torch::Tensor reduced_last;          // [n] bool: step halved at the last checkpoint
  torch::Tensor loss_best_last;        // [n] best loss at the last checkpoint
  torch::Tensor topk, sparsity_old;    // [n] L1 only: direction density and L0 of the best point

  // Keeps only the samples `keep` (indices into the current state).
  void select(const torch::Tensor& keep);
};

class ApgdSchedule {
 public:
  virtual ~ApgdSchedule() = default;
  // Sets the step size (and any schedule state) of a fresh run.
  virtual void start(ApgdState& state) const = 0;
  // Called after the loss at iteration `it` is known; may shrink steps and reset points.
  virtual void after_evaluation(ApgdState& state, int64_t it) const = 0;
  // The next iterate from state.x (iteration `it`, 0-based), inside the bounds and ball.
  virtual torch::Tensor next(const ApgdState& state, int64_t it) const = 0;
};

// Clips v to the bounds, then projects it onto each sample's eps-ball. Every ball
// projection moves coordinates towards the origin, so the result lies in both sets.
torch::Tensor apgd_constrain(const ThreatModel& threat, const Bounds& bounds, const ApgdState& state,
                             const torch::Tensor& v);

// "l1" gets the sparse schedule, every other norm the checkpoint schedule.
std::unique_ptr<ApgdSchedule> make_apgd_schedule(std::shared_ptr<ThreatModel> threat, Bounds bounds,
                                                 int64_t n_iter, double rho);

// Checkpoint iterations w_1 < w_2 < ... < n_iter of the L-inf/L2 schedule (w_0 = 0 excluded).
std::vector<int64_t> apgd_checkpoints(int64_t n_iter);

}  // namespace advlab::detail_apgd
