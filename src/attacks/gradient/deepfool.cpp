#include "advlab/attacks/gradient/deepfool.h"

#include "advlab/attacks/best_adversarial.h"
#include "advlab/core/error.h"

#include <torch/torch.h>

#include <cmath>
#include <limits>

namespace advlab {

namespace detail_deepfool {

// z_a - z_b per sample, for the class pairs (a_i, b_i) of each row.
class PairDifference : public AttackLoss {
 public:
  PairDifference(torch::Tensor a, torch::Tensor b) : a_(std::move(a)), b_(std::move(b)) {}
  std::string name() const override { return "deepfool-pair"; }
  torch::Tensor operator()(const torch::Tensor& logits, const Criterion&) const override {
    auto pick = [&logits](const torch::Tensor& c) {
      return logits.gather(1, c.to(logits.device()).view({-1, 1})).squeeze(1);
    };
    return pick(a_) - pick(b_);
  }

 private:
  torch::Tensor a_, b_;
};

// The other classes with the largest clean logits: [n, count].
torch::Tensor top_other_classes(const torch::Tensor& logits, const torch::Tensor& label, int64_t count) {
  auto masked = logits.scatter(1, label.view({-1, 1}), -std::numeric_limits<float>::infinity());
  return std::get<1>(masked.topk(count, 1));
}

}  // namespace detail_deepfool

const ParamTable<DeepFoolOptions>& DeepFoolOptions::table() {
  static const auto table = ParamTable<DeepFoolOptions>("deepfool", DeepFoolOptions())
      .add("eps", ADVLAB_FIELD(eps), "budget; none = minimum-norm only").at_least(0)
      .add("norm", ADVLAB_FIELD(norm), "threat model").one_of({"l2", "linf"})
      .add("steps", ADVLAB_FIELD(steps), "most linearisation steps").at_least(1)
      .add("candidates", ADVLAB_FIELD(candidates), "classes considered, the original one included").at_least(2)
      .add("overshoot", ADVLAB_FIELD(overshoot), "relative step past the linearised boundary").at_least(0);
  return table;
}

DeepFool::DeepFool(DeepFoolOptions options)
    : MinimumNormAttack("deepfool", options.norm(), options.eps()), options_(std::move(options)) {
  DeepFoolOptions::table().validate(options_);
}

nlohmann::json DeepFool::options_json() const {
  return DeepFoolOptions::table().to_json(options_);
}

torch::Tensor DeepFool::minimise(AttackContext& context, const torch::Tensor& x,
                                const Criterion& criterion) {
  return deepfool_search(context, x, torch::arange(x.size(0), x.options().dtype(torch::kLong)), criterion,
                         threat(), options_);
}

torch::Tensor deepfool_search(AttackContext& context, const torch::Tensor& x, const torch::Tensor& rows,
                              const Criterion& criterion, const ThreatModel& threat,
                              const DeepFoolOptions& options, const torch::Tensor& movable) {
  using detail_deepfool::PairDifference;
  const auto bounds = context.bounds();
  const bool targeted = criterion.targeted();
  BestAdversarial best(x);
  auto active = torch::arange(x.size(0), x.options().dtype(torch::kLong));  // indices into x
  auto local = rows.to(x.device(), torch::kLong);  // the same samples in the context's batch
  auto x0 = x;
  auto adv = x.clone();
  auto total = torch::zeros_like(x);
  auto classes = criterion.classes().to(x.device()).index_select(0, local);
  auto movable_now = movable.defined() ? movable.to(x.device(), x.scalar_type()) : torch::Tensor();
  torch::Tensor others;  // untargeted: [n, m] classes whose boundaries are linearised

  for (int64_t it = 0;; ++it) {
    auto crit = criterion.select(local.to(torch::kCPU));
    auto logits = context.logits(adv, local);
    auto is_adv = crit->is_adversarial(logits);
    best.update(active, adv, is_adv, threat.distance(x0, adv));
    auto keep = (~is_adv).nonzero().squeeze(1);
    if (keep.numel() == 0 || it == options.steps()) break;
    context.note_iterations(it + 1);
    if (!targeted && !others.defined()) {
      int64_t m = std::min(options.candidates(), logits.size(1)) - 1;
      others = detail_deepfool::top_other_classes(logits, classes, m);
    }
    active = active.index_select(0, keep);
    local = local.index_select(0, keep);
    x0 = x0.index_select(0, keep);
    adv = adv.index_select(0, keep);
    total = total.index_select(0, keep);
    classes = classes.index_select(0, keep);
    logits = logits.index_select(0, keep);
    if (movable_now.defined()) movable_now = movable_now.index_select(0, keep);
    if (!targeted) others = others.index_select(0, keep);

    // Pairs (a, b) whose difference z_a - z_b must become positive: (k, y) for each
    // candidate k, or (t, strongest competitor of t). All pairs go in one batch [m*n].
    const int64_t n = keep.numel();
    torch::Tensor a, b;
    if (targeted) {
      a = classes;
      b = logits.scatter(1, classes.view({-1, 1}), -std::numeric_limits<float>::infinity()).argmax(1);
    } else {
      a = others.t().reshape(-1);
      b = classes.repeat(others.size(1));
    }
    const int64_t m = a.size(0) / n;
    std::vector<int64_t> reps(adv.dim(), 1);
    reps[0] = m;
    auto pair_rows = local.repeat(m);
    auto lg = context.loss_gradient(adv.repeat(reps), PairDifference(a, b),
                                    *criterion.select(pair_rows.to(torch::kCPU)), pair_rows);
    // Pixels at a bound that the step would push further out cannot move (clipping would
    // undo them), so they are left out of the linearisation: on images with saturated
    // pixels this cuts the number of iterations several-fold.
    auto start = adv.repeat(reps);
    auto blocked = ((lg.grad > 0) & (start >= bounds.upper)) | ((lg.grad < 0) & (start <= bounds.lower));
    auto grad = lg.grad.masked_fill(blocked, 0);
    if (movable_now.defined()) grad = grad * movable_now.repeat(reps);
    // Distance to each linearised boundary: |f| / ||grad f||_q, where the dual norm is
    // <grad, d> for the threat model's unit steepest direction d.
    auto direction = threat.normalize_grad(grad);
    auto dual = flat(grad * direction).sum(1).clamp_min(1e-12).view({m, n});
    auto gap = lg.loss.abs().view({m, n});
    auto nearest = (gap / dual).argmin(0);
    auto pick = nearest * n + torch::arange(n, nearest.options());
    // The 1e-4 pushes just across a boundary that is exactly linear.
    auto scale = ((gap + 1e-4) / dual).view({-1}).index_select(0, pick);
    total = total + expand_like(scale, adv) * direction.index_select(0, pick);
    adv = bounds.clip(x0 + (1 + options.overshoot()) * total);
  }
  return best.adversarials();
}

}  // namespace advlab
