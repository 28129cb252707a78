#pragma once
// Greedy pruning of sparse adversarials: puts changed coordinates back to their clean
// value one at a time, least useful first, and keeps each reversal that leaves the
// sample adversarial. Attacks that change coordinates in bulk (SparseFool's linear
// steps, JSMA's saturated pairs, FMN's L0 projection) leave many that the decision no
// longer needs; removing them shortens the L0 distance without losing the adversarial.
#include "advlab/attacks/attack_context.h"
#include "advlab/criteria/criterion.h"

#include <torch/types.h>

namespace advlab {

// x: clean inputs; adv: candidates [N, ...]; found bool [N]: rows of adv that are
// adversarial (only those are pruned; others are returned unchanged). At most
// `max_rounds` reversals are tried per sample (one forward pass per round for the rows
// still trying), after two gradient passes: one to push each changed coordinate to the
// bound its margin gradient points to (kept where still adversarial), one to order the
// reversals: the coordinate whose first-order contribution to the margin is smallest
// goes first.
torch::Tensor prune_l0(AttackContext& context, const torch::Tensor& x, const torch::Tensor& adv,
                       const torch::Tensor& found, const Criterion& criterion, int64_t max_rounds);

}  // namespace advlab
