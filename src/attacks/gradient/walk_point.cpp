#include "advlab/attacks/gradient/walk_point.h"

namespace advlab {

std::optional<WalkPoint> walk_point(AttackContext& context, const ThreatModel& threat, const torch::Tensor& x,
                                    const torch::Tensor& delta, int64_t step, int64_t steps, const AttackLoss& loss,
                                    const Criterion& criterion, const torch::Tensor& all, BestAdversarial& best) {
  auto adv = x + delta;
  auto norm = threat.distance(x, adv).to(torch::kFloat);
  if (step == steps) {
    best.update(all, adv, criterion.is_adversarial(context.logits(adv)), norm);
    return std::nullopt;
  }
  auto lg = context.loss_gradient(adv, loss, criterion);
  context.note_iterations(step + 1);
  auto is_adv = criterion.is_adversarial(lg.logits).to(x.device());
  best.update(all, adv, is_adv, norm);
  return WalkPoint{std::move(adv), std::move(norm), std::move(lg), std::move(is_adv)};
}

}  // namespace advlab
