#include "advlab/attacks/gradient/deepfool.h"

#include "advlab/attacks/target_sweep.h"

#include "advlab/attacks/best_adversarial.h"
#include "advlab/attacks/keep_rows.h"
#include "advlab/attacks/gradient/segment_search.h"
#include "advlab/attacks/losses.h"
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
      .add("overshoot", ADVLAB_FIELD(overshoot), "relative step past the linearised boundary").at_least(0)
      .add("refine_steps", ADVLAB_FIELD(refine_steps), "bisection steps on the segment from x to the result (one forward each)").at_least(0)
      .add("projections", ADVLAB_FIELD(projections), "rounds: project x onto the boundary's tangent plane, DeepFool again from there").at_least(0)
      .add("target_classes", ADVLAB_FIELD(target_classes), kTargetSweepHelp).at_least(0);
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
  const auto bounds = context.bounds();
  const auto& geometry = threat();
  auto local = torch::arange(x.size(0), x.options().dtype(torch::kLong));
  torch::Tensor found;
  auto adv = deepfool_search(context, x, local, criterion, geometry, options_, {}, &found);
  BestAdversarial best(x);
  best.update(local, adv, found, geometry.distance(x, adv));
  // DeepFool's path bends, so its first adversarial is rarely the closest one: at a
  // minimum-norm point the perturbation is normal to the boundary. Each round projects x
  // onto the boundary's tangent plane at the best point (in the threat model's geometry,
  // as a DeepFool step does) and runs DeepFool from there (SuperDeepFool, Abdollahi et al.
  // 2024).
  const MarginLoss boundary(std::numeric_limits<double>::infinity());
  // From a start next to the boundary one pair suffices: the runner-up class there is the
  // one whose boundary was crossed (measured on the test CNN: the same distances as with
  // all candidates, at a third of the gradients).
  auto near = DeepFoolOptions(options_).candidates(2);
  for (int64_t round = 0; round < options_.projections(); ++round) {
    auto rows = best.found().nonzero().squeeze(1);
    if (rows.numel() == 0) break;
    auto x0 = x.index_select(0, rows);
    auto on = best.adversarials().index_select(0, rows);
    auto crit = criterion.select(rows.to(torch::kCPU));
    auto lg = context.loss_gradient(on, boundary, *crit, rows);
    // Coordinates of x at a bound that the projection would push further out stay put.
    auto blocked = ((lg.grad > 0) & (x0 >= bounds.upper)) | ((lg.grad < 0) & (x0 <= bounds.lower));
    auto grad = lg.grad.masked_fill(blocked, 0);
    auto direction = geometry.normalize_grad(grad);
    auto dual = flat(grad * direction).sum(1).clamp_min(1e-12);
    auto along = flat((on - x0) * grad).sum(1) / dual;
    auto start = bounds.clip(x0 + expand_like(along, direction) * direction);
    torch::Tensor reached;
    auto candidate = deepfool_search(context, start, rows, criterion, geometry, near, {}, &reached);
    best.update(rows, candidate, reached, geometry.distance(x0, candidate));
  }
  return shrink_towards_clean(context, x, best.adversarials(), best.found(), local, criterion,
                              options_.refine_steps());
}

torch::Tensor deepfool_search(AttackContext& context, const torch::Tensor& x, const torch::Tensor& rows,
                              const Criterion& criterion, const ThreatModel& threat,
                              const DeepFoolOptions& options, const torch::Tensor& movable,
                              torch::Tensor* found) {
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
    keep_rows(keep, {&active, &local, &x0, &adv, &total, &classes, &logits, &movable_now});
    if (!targeted) others = others.index_select(0, keep);

    // Pairs (a, b) whose difference z_a - z_b must become positive: (k, y) for each
    // candidate k, or (t, strongest competitor of t). One forward pass, one backward per
    // pair; the m pairs are laid out as rows [m*n] (pair-major).
    const int64_t n = keep.numel();
    std::vector<PairDifference> pairs;
    if (targeted) {
      pairs.emplace_back(classes, logits.scatter(1, classes.view({-1, 1}), -std::numeric_limits<float>::infinity()).argmax(1));
    } else {
      for (int64_t k = 0; k < others.size(1); ++k) pairs.emplace_back(others.select(1, k), classes);
    }
    const auto m = static_cast<int64_t>(pairs.size());
    std::vector<const AttackLoss*> losses;
    for (const auto& p : pairs) losses.push_back(&p);
    std::vector<int64_t> reps(adv.dim(), 1);
    reps[0] = m;
    auto pair_grads = context.loss_gradients(adv, losses, *criterion.select(local.to(torch::kCPU)), local);
    std::vector<int64_t> pair_shape = adv.sizes().vec();
    pair_shape[0] = m * n;
    LossGradient lg{pair_grads.loss.t().reshape(-1), pair_grads.logits,
                    pair_grads.grad.transpose(0, 1).reshape(pair_shape)};
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
  if (found) *found = best.found();
  return best.adversarials();
}

}  // namespace advlab
