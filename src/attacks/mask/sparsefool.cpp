#include "advlab/attacks/mask/sparsefool.h"

#include "advlab/attacks/best_adversarial.h"
#include "advlab/attacks/gradient/boundary_projection.h"
#include "advlab/attacks/gradient/deepfool.h"
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

SparseFoolOptions SparseFoolOptions::from_params(ParamReader& params) {
  SparseFoolOptions o;
  return o.eps(params.find_double("eps"))
      .norm(params.get_string("norm", o.norm()))
      .lambda(params.get_double("lambda", o.lambda()))
      .max_iter(params.get_steps("max_iter", o.max_iter()))
      .deepfool_steps(params.get_int("deepfool_steps", o.deepfool_steps()))
      .candidates(params.get_int("candidates", o.candidates()))
      .overshoot(params.get_double("overshoot", o.overshoot()))
      .mask(params.get_string("mask", o.mask()));
}

SparseFool::SparseFool(SparseFoolOptions options)
    : MinimumNormAttack("sparsefool", options.norm(), options.eps()),
      options_(std::move(options)),
      mask_("sparsefool", options_.mask()) {
  const auto& o = options_;
  ADVLAB_CHECK(o.norm() == "l0" || o.norm() == "l1", "sparsefool: norm must be l0 or l1, got '", o.norm(), "'");
  ADVLAB_CHECK(std::isfinite(o.lambda()) && o.lambda() >= 1, "sparsefool: lambda must be >= 1, got ", o.lambda());
  ADVLAB_CHECK(o.max_iter() >= 1, "sparsefool: max_iter must be >= 1, got ", o.max_iter());
  ADVLAB_CHECK(o.deepfool_steps() >= 1, "sparsefool: deepfool_steps must be >= 1, got ", o.deepfool_steps());
  ADVLAB_CHECK(o.candidates() >= 2, "sparsefool: candidates must be >= 2, got ", o.candidates());
  ADVLAB_CHECK(std::isfinite(o.overshoot()) && o.overshoot() >= 0,
               "sparsefool: overshoot must be >= 0 and finite, got ", o.overshoot());
}

nlohmann::json SparseFool::params() const {
  return {{"eps", eps_json()},
          {"norm", options_.norm()},
          {"lambda", options_.lambda()},
          {"max_iter", options_.max_iter()},
          {"deepfool_steps", options_.deepfool_steps()},
          {"candidates", options_.candidates()},
          {"overshoot", options_.overshoot()},
          {"mask", options_.mask()}};
}

torch::Tensor SparseFool::minimise(AttackContext& context, const torch::Tensor& x, const Criterion& criterion) {
  const auto bounds = context.bounds();
  const double overshoot = options_.overshoot();
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
  return best.adversarials();
}

}  // namespace advlab
