#pragma once
// A final refinement for minimum-norm attacks that stop at the first adversarial they
// reach (DeepFool) or carry an overshoot: a per-sample bisection over t in [0, 1] on the
// segment x + t * (adv - x), keeping the smallest t found adversarial. Each step costs
// one forward pass (one query) for each sample still searched. The segment lies inside
// the box when both ends do, and every Lp distance to x scales with t, so a smaller t is
// a closer adversarial in any norm.
#include "advlab/attacks/attack_context.h"
#include "advlab/criteria/criterion.h"

#include <torch/types.h>

namespace advlab {

// x, adv [n, ...]: clean inputs and adversarials of the samples at `local` (int64 [n],
// indices into the context's batch and into `criterion`); found bool [n]: which adv are
// adversarial (only those are searched). A probe counts as adversarial only with a logit
// margin above a relative tolerance, so that the point kept does not sit so close to the
// boundary that a forward pass over another batch could decide otherwise. Returns adv
// with each searched sample moved to the closest adversarial probe (unchanged where none
// was closer). steps = 0 returns adv.
torch::Tensor shrink_towards_clean(AttackContext& context, const torch::Tensor& x, const torch::Tensor& adv,
                                   const torch::Tensor& found, const torch::Tensor& local,
                                   const Criterion& criterion, int64_t steps);

}  // namespace advlab
