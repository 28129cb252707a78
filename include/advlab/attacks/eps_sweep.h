#pragma once
// An eps sweep of a minimum-norm attack from one run. A minimum-norm attack run without
// eps returns, per sample, the smallest adversarial it found; what a run bounded by eps
// would report follows from it: that adversarial where it lies within eps, else the
// projection of what was found onto the eps-ball, kept where a fresh forward pass says it
// still fools the model (Attack::run's rescue step). So an evaluation over E budgets runs
// such an attack once, not E times, and its robust accuracy cannot rise with eps.
#include "advlab/attacks/attack_result.h"
#include "advlab/attacks/budget.h"
#include "advlab/criteria/criterion.h"
#include "advlab/models/classifier.h"

namespace advlab {

// unbounded: an unbounded run's result on clean [n, ...] (minimum_distance defined);
// budget: the bounded run's norm, eps and query budget. Every per-sample field is that of
// a bounded run: adversarials inside the eps-ball and the bounds, success verified by a
// forward pass, minimum_distance the projection's where the projection fools. A sample
// whose projection is checked spends one more query (as the rescue step does) when its
// query budget allows. Throws advlab::Error for a result without minimum_distance, a
// budget without eps, or sizes that disagree.
AttackResult bound_minimum_norm_result(Classifier& model, const torch::Tensor& clean, const Criterion& criterion,
                                       const AttackResult& unbounded, const Budget& budget);

}  // namespace advlab
