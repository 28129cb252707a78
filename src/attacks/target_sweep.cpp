#include "advlab/attacks/target_sweep.h"

#include <torch/torch.h>

#include <limits>

namespace advlab {

torch::Tensor other_classes_by_logit(const torch::Tensor& logits, const torch::Tensor& labels) {
  auto label = labels.to(logits.device(), torch::kLong).view({-1, 1});
  return logits.scatter(1, label, -std::numeric_limits<float>::infinity()).argsort(1, /*descending=*/true);
}

torch::Tensor closest_over_targets(AttackContext& context, const ThreatModel& threat, const torch::Tensor& x,
                                   const Criterion& criterion, int64_t k, const AttackFor& attack) {
  auto best = attack(criterion);
  const int64_t others = context.model().num_classes() - 1;
  if (k <= 0 || criterion.targeted() || others < 1) return best;
  const float inf = std::numeric_limits<float>::infinity();
  // Distance of each candidate that fools the model (as the run's final check will see
  // it), infinite for the others.
  auto reach = [&](const torch::Tensor& adv) {
    auto d = threat.distance(x, adv).to(torch::kFloat);
    auto fools = criterion.is_adversarial(context.logits(adv)).to(d.device());
    return torch::where(fools, d, torch::full_like(d, inf));
  };
  auto ranked = other_classes_by_logit(context.logits(x), criterion.classes());
  auto best_reach = reach(best);
  for (int64_t t = 0; t < std::min(k, others); ++t) {
    TargetedMisclassification towards(ranked.select(1, t).contiguous());
    auto adv = attack(towards);
    auto d = reach(adv);
    auto closer = d < best_reach;
    best = torch::where(expand_like(closer.to(x.device()), best).to(torch::kBool), adv, best);
    best_reach = torch::minimum(best_reach, d);
  }
  return best;
}

}  // namespace advlab
