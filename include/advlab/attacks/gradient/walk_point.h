#pragma once
// The head of each step of a minimum-norm walk (FMN, ALMA, PDPGD): the iterate
// adv = x + delta is recorded as the best adversarial where it is one (at its distance),
// and, at every step but the last, the loss and its gradient there are returned. The last
// iterate, after the final update, is only checked (a forward pass, no gradient).
#include "advlab/attacks/attack_context.h"
#include "advlab/attacks/best_adversarial.h"
#include "advlab/attacks/losses.h"
#include "advlab/criteria/criterion.h"
#include "advlab/threat/threat_model.h"

#include <torch/types.h>

#include <optional>

namespace advlab {

struct WalkPoint {
  torch::Tensor adv;     // x + delta
  torch::Tensor norm;    // float [n]: its distance from x
  LossGradient lg;       // the loss there and its gradient
  torch::Tensor is_adv;  // bool [n] on x's device
};

// step in [0, steps]; `all` = arange(n), the rows of `best`. Returns nothing at step == steps.
std::optional<WalkPoint> walk_point(AttackContext& context, const ThreatModel& threat, const torch::Tensor& x,
                                    const torch::Tensor& delta, int64_t step, int64_t steps, const AttackLoss& loss,
                                    const Criterion& criterion, const torch::Tensor& all, BestAdversarial& best);

}  // namespace advlab
