#include "advlab/attacks/target_sweep.h"

#include "advlab/core/error.h"

#include <torch/torch.h>

#include <limits>
#include <vector>

namespace advlab {

namespace {

// z_y - z_t per row, for labels y and one target column t: its gradient is the normal of
// the linearised boundary between the two classes.
class ClassGap : public AttackLoss {
 public:
  ClassGap(torch::Tensor labels, torch::Tensor targets) : labels_(std::move(labels)), targets_(std::move(targets)) {}
  std::string name() const override { return "class-gap"; }
  torch::Tensor operator()(const torch::Tensor& logits, const Criterion&) const override {
    auto y = labels_.to(logits.device()).view({-1, 1});
    auto t = targets_.to(logits.device()).view({-1, 1});
    return (logits.gather(1, y) - logits.gather(1, t)).squeeze(1);
  }

 private:
  torch::Tensor labels_, targets_;
};

}  // namespace

torch::Tensor other_classes_by_logit(const torch::Tensor& logits, const torch::Tensor& labels) {
  auto label = labels.to(logits.device(), torch::kLong).view({-1, 1});
  return logits.scatter(1, label, -std::numeric_limits<float>::infinity()).argsort(1, /*descending=*/true);
}

torch::Tensor other_classes_by_linear_distance(AttackContext& context, const ThreatModel& threat,
                                               const torch::Tensor& x, const torch::Tensor& labels,
                                               int64_t candidates, int64_t chunk) {
  ADVLAB_CHECK(candidates >= 1 && chunk >= 1, "linear target order: candidates and chunk must be >= 1, got ",
               candidates, " and ", chunk);
  const int64_t n = x.size(0);
  auto y = labels.to(torch::kCPU, torch::kLong);
  std::vector<torch::Tensor> orders;
  for (int64_t start = 0; start < n; start += chunk) {
    const int64_t m = std::min(chunk, n - start);
    auto local = torch::arange(start, start + m, torch::kLong);
    auto xs = x.narrow(0, start, m);
    auto ys = y.narrow(0, start, m);
    // The logit order first: it picks the candidates whose gradients are taken.
    auto logits = context.logits(xs, local);
    auto order = other_classes_by_logit(logits, ys).to(torch::kCPU);
    const int64_t pool = std::min(candidates, order.size(1) - 1);
    std::vector<ClassGap> gaps;
    for (int64_t c = 0; c < pool; ++c) gaps.emplace_back(ys, order.select(1, c).contiguous());
    std::vector<const AttackLoss*> losses;
    for (const auto& g : gaps) losses.push_back(&g);
    Misclassification untargeted(ys);
    auto lg = context.loss_gradients(xs, losses, untargeted, local);
    auto grads = lg.grad.reshape({m * pool, -1});
    auto distance = (lg.loss.to(torch::kFloat).cpu() /
                     (threat.dual_norm(grads).to(torch::kFloat).cpu().view({m, pool}) + 1e-12));
    auto ranked = order.narrow(1, 0, pool).gather(1, distance.argsort(/*dim=*/1, /*descending=*/false));
    orders.push_back(torch::cat(std::vector<torch::Tensor>{ranked, order.narrow(1, pool, order.size(1) - pool)}, 1));
  }
  return torch::cat(orders, 0).to(x.device());
}

int64_t runs_side_by_side(int64_t active, int64_t runs, int64_t pass_rows, int64_t max_rows) {
  if (pass_rows <= 0 || active <= 0 || runs <= 1 || active >= pass_rows) return 1;
  auto calls = [&](int64_t rows) { return (rows + pass_rows - 1) / pass_rows; };
  int64_t best = 1, best_calls = runs * calls(active);
  for (int64_t w = 2; w <= runs && active * w <= std::max(max_rows, pass_rows); ++w) {
    const int64_t total = (runs / w) * calls(active * w) + (runs % w > 0 ? calls(active * (runs % w)) : 0);
    if (total < best_calls) best = w, best_calls = total;
  }
  return best;
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
