#include "advlab/attacks/mask/sparsefool.h"

#include "advlab/attacks/target_sweep.h"

#include "advlab/attacks/best_adversarial.h"
#include "advlab/attacks/gradient/boundary_projection.h"
#include "advlab/attacks/gradient/deepfool.h"
#include "advlab/attacks/gradient/segment_search.h"
#include "advlab/attacks/mask/l0_prune.h"
#include "advlab/core/error.h"

#include <torch/torch.h>

#include <cmath>
#include <limits>

namespace advlab {

namespace detail_sparsefool {

// z_a - z_b, the logit difference whose zero set is the boundary DeepFool reached:
// untargeted a = the strongest class other than the label y, b = y; targeted a = the
// target t, b = the strongest class other than t. Its gradient is the boundary's normal,
// pointing into the adversarial side.
class BoundaryNormal : public AttackLoss {
 public:
  std::string name() const override { return "sparsefool-normal"; }
  torch::Tensor operator()(const torch::Tensor& logits, const Criterion& criterion) const override {
    auto cls = criterion.classes().to(logits.device()).view({-1, 1});
    auto other = logits.detach().scatter(1, cls, -std::numeric_limits<float>::infinity()).argmax(1, true);
    auto zc = logits.gather(1, cls).squeeze(1);
    auto zo = logits.gather(1, other).squeeze(1);
    return criterion.targeted() ? zc - zo : zo - zc;
  }
};

}  // namespace detail_sparsefool

const ParamTable<SparseFoolOptions>& SparseFoolOptions::table() {
  static const auto table = ParamTable<SparseFoolOptions>("sparsefool", SparseFoolOptions())
      .add("eps", ADVLAB_FIELD(eps), "budget; none = minimum-norm only").at_least(0)
      .add("norm", ADVLAB_FIELD(norm), "threat model").one_of({"l0", "l1"})
      .add("lambda", ADVLAB_FIELD(lambda), "boundary point factor x_i + lambda * r").at_least(1)
      .add("steps", ADVLAB_FIELD(max_iter), "outer (linear solver) iterations").at_least(1).alias("max_iter")
      .add("deepfool_steps", ADVLAB_FIELD(deepfool_steps), "inner DeepFool steps per outer iteration").at_least(1)
      .add("candidates", ADVLAB_FIELD(candidates), "classes DeepFool considers, the original one included").at_least(2)
      .add("overshoot", ADVLAB_FIELD(overshoot), "relative step past the linearised boundary").at_least(0)
      .add("mask", ADVLAB_FIELD(mask), "pixels the attack may change (see --mask)")
      .add("prune", ADVLAB_FIELD(prune), "L0: changed coordinates tried for reversal per sample, 0 = none").at_least(0)
      .add("refine_steps", ADVLAB_FIELD(refine_steps), "L1: bisection steps on the segment from x to the result (one forward each)").at_least(0)
      .add("target_classes", ADVLAB_FIELD(target_classes), kTargetSweepHelp).at_least(0);
  return table;
}

SparseFool::SparseFool(SparseFoolOptions options)
    : MinimumNormAttack("sparsefool", options.norm(), options.eps()),
      options_(std::move(options)),
      mask_("sparsefool", options_.mask()) {
  SparseFoolOptions::table().validate(options_);
}

nlohmann::json SparseFool::options_json() const {
  return SparseFoolOptions::table().to_json(options_);
}

torch::Tensor SparseFool::minimise(AttackContext& context, const torch::Tensor& x, const Criterion& criterion) {
  const auto bounds = context.bounds();
  const double overshoot = options_.overshoot();
  const bool l0 = threat().name() == "l0";
  auto l2 = make_threat_model("l2");
  auto deepfool = DeepFoolOptions()
                      .norm("l2")
                      .steps(options_.deepfool_steps())
                      .candidates(options_.candidates())
                      .overshoot(overshoot);
  BestAdversarial best(x);
  auto movable = mask_.movable(x);
  auto active = torch::arange(x.size(0), x.options().dtype(torch::kLong));
  auto x0 = x;
  auto xi = x.clone();

  for (int64_t it = 0; it < options_.max_iter() && active.numel() > 0; ++it) {
    context.note_iterations(it + 1);
    auto crit = criterion.select(active.to(torch::kCPU));
    auto movable_now = movable.index_select(0, active);
    // DeepFool's point is x_i + (1 + overshoot) r; it returns x_i where it found none.
    auto reached = deepfool_search(context, xi, active, criterion, *l2, deepfool, movable_now);
    auto lg = context.loss_gradient(reached, detail_sparsefool::BoundaryNormal(), *crit, active);
    auto found = crit->is_adversarial(lg.logits).to(x.device());

    auto r = (reached - xi) / (1 + overshoot);
    auto w = flat(lg.grad * movable_now);
    auto offset = (w * flat(xi + options_.lambda() * r)).sum(1);
    xi = bounds.clip(xi + project_onto_boundary_l1(flat(xi), w, offset, bounds).view_as(xi));
    auto candidate = bounds.clip(x0 + (1 + overshoot) * (xi - x0));
    auto is_adv = crit->is_adversarial(context.logits(candidate, active)).to(x.device());
    best.update(active, candidate, is_adv, threat().distance(x0, candidate));

    // Samples DeepFool could not move across any boundary (inside the mask) are done.
    auto keep = (~is_adv & found).nonzero().squeeze(1);
    active = active.index_select(0, keep);
    x0 = x0.index_select(0, keep);
    xi = xi.index_select(0, keep);
  }
  if (l0) return prune_l0(context, x, best.adversarials(), best.found(), criterion, options_.prune());
  // L1 mass scales with the segment from x, so part of the final overshoot comes back.
  auto local = torch::arange(x.size(0), x.options().dtype(torch::kLong));
  return shrink_towards_clean(context, x, best.adversarials(), best.found(), local, criterion,
                              options_.refine_steps());
}

}  // namespace advlab
