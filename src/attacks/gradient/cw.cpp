#include "advlab/attacks/gradient/cw.h"

#include "advlab/attacks/target_sweep.h"

#include "advlab/attacks/adam_step.h"
#include "advlab/attacks/best_adversarial.h"
#include "advlab/attacks/gradient/constant_search.h"
#include "advlab/attacks/gradient/early_abort.h"
#include "advlab/attacks/gradient/segment_search.h"
#include "advlab/core/error.h"

#include <torch/torch.h>

#include <cmath>
#include <limits>

namespace advlab {

namespace detail_cw {

// The change of variables x = lower + range * (tanh(w) + 1) / 2 and its inverse.
torch::Tensor to_box(const torch::Tensor& w, const Bounds& b) {
  return b.lower + (b.upper - b.lower) * (torch::tanh(w) + 1) / 2;
}

torch::Tensor to_tanh_space(const torch::Tensor& x, const Bounds& b) {
  auto unit = (x - b.lower) / (b.upper - b.lower) * 2 - 1;
  return torch::atanh(unit.clamp(-1 + 1e-6, 1 - 1e-6));
}

}  // namespace detail_cw

const ParamTable<CarliniWagnerOptions>& CarliniWagnerOptions::table() {
  static const auto table = ParamTable<CarliniWagnerOptions>("cw", CarliniWagnerOptions())
      .add("eps", ADVLAB_FIELD(eps), "budget; none = minimum-norm only").at_least(0)
      .add("norm", ADVLAB_FIELD(norm), "threat model").one_of({"l2"})
      .add("steps", ADVLAB_FIELD(steps), "Adam steps per value of c").at_least(1)
      .add("search_steps", ADVLAB_FIELD(search_steps), "values of c tried (binary search)").at_least(1)
      .add("initial_const", ADVLAB_FIELD(initial_const), "first c, the weight of the misclassification term").above(0)
      .add("learning_rate", ADVLAB_FIELD(learning_rate), "Adam step; 0 = 0.05 with box=clip, 0.2 (in w) with box=tanh").at_least(0).alias("step_size")
      .add("confidence", ADVLAB_FIELD(confidence), "logit margin kappa asked for").at_least(0)
      .add("abort_early", ADVLAB_FIELD(abort_early), "stop a value of c once the loss stalls")
      .add("warm_start", ADVLAB_FIELD(warm_start), "each value of c after the first starts from the closest adversarial found")
      .add("box", ADVLAB_FIELD(box), "how x' stays in the bounds: clip (Adam on x', clipped to the bounds) or tanh (the paper's change of variables)").one_of({"clip", "tanh"})
      .add("refine_steps", ADVLAB_FIELD(refine_steps), "bisection steps on the segment from x to the result (one forward each)").at_least(0)
      .add("lr_final", ADVLAB_FIELD(lr_final), "learning rate at a run's last step, relative to the first (cosine decay; samples with an adversarial)").above(0).at_most(1)
      .add("target_classes", ADVLAB_FIELD(target_classes), kTargetSweepHelp).at_least(0);
  return table;
}

CarliniWagner::CarliniWagner(CarliniWagnerOptions options)
    : MinimumNormAttack("cw", options.norm(), options.eps()), options_(std::move(options)) {
  CarliniWagnerOptions::table().validate(options_);
}

double CarliniWagnerOptions::effective_learning_rate() const {
  if (learning_rate() > 0) return learning_rate();
  return box() == "tanh" ? 0.2 : 0.05;
}

nlohmann::json CarliniWagner::options_json() const {
  auto j = CarliniWagnerOptions::table().to_json(options_);
  j["learning_rate"] = options_.effective_learning_rate();  // the step in effect
  return j;
}

torch::Tensor CarliniWagner::minimise(AttackContext& context, const torch::Tensor& x,
                                     const Criterion& criterion) {
  BestAdversarial best(x);
  ConstantSearch search(x.size(0), options_.initial_const(), x.options());
  const bool tanh_box = options_.box() == "tanh";
  auto to_w = [&](const torch::Tensor& v) { return tanh_box ? detail_cw::to_tanh_space(v, context.bounds()) : v; };
  auto w0 = to_w(x);
  int64_t iterations = 0;
  for (int64_t s = 0; s < options_.search_steps(); ++s) {
    auto found = optimise(context, x, w0, criterion, search.constants(), best, iterations);
    search.update(found);
    // Warm start: the next value of c starts from the closest adversarial found (x where
    // none), not from x as in the paper; with ~50 steps per run a run from x rarely gets
    // back to where the last one ended.
    if (options_.warm_start()) w0 = to_w(best.adversarials());
  }
  auto local = torch::arange(x.size(0), x.options().dtype(torch::kLong));
  return shrink_towards_clean(context, x, best.adversarials(), best.found(), local, criterion,
                              options_.refine_steps());
}

torch::Tensor CarliniWagner::optimise(AttackContext& context, const torch::Tensor& x,
                                      const torch::Tensor& w0, const Criterion& criterion,
                                      const torch::Tensor& c_all, BestAdversarial& best,
                                      int64_t& iterations) {
  const auto bounds = context.bounds();
  const double kappa = options_.confidence();
  MarginLoss margin(kappa);  // min(margin, kappa): the hinge is kappa - this
  auto found = torch::zeros({x.size(0)}, x.options().dtype(torch::kBool));
  auto active = torch::arange(x.size(0), x.options().dtype(torch::kLong));
  auto x0 = x;
  auto w = w0.clone();
  auto c = c_all.to(x.dtype());
  auto adam_m = torch::zeros_like(w), adam_v = torch::zeros_like(w);
  const int64_t steps = options_.steps();
  EarlyAbort abort(x.size(0), steps, options_.abort_early(), x.options());

  const bool tanh_box = options_.box() == "tanh";
  for (int64_t it = 0; it < steps; ++it) {
    context.note_iterations(++iterations);
    auto crit = criterion.select(active.to(torch::kCPU));
    auto adv = tanh_box ? detail_cw::to_box(w, bounds) : w;
    auto lg = context.loss_gradient(adv, margin, *crit, active);
    auto delta = adv - x0;
    auto squared = flat(delta).pow(2).sum(1);
    auto objective = squared + c * (kappa - lg.loss);
    auto ok = crit->is_adversarial(lg.logits) & (lg.loss >= kappa);
    best.update(active, adv, ok, squared.sqrt());
    // Step 0 is the start (x, or a warm start that is adversarial already): only what the
    // run reaches itself counts for the search over c.
    if (it > 0) found.index_copy_(0, active, found.index_select(0, active) | ok);

    // d/dw of ||delta||^2 + c * (kappa - margin): w is x' itself (clip) or goes through tanh.
    auto grad_x = 2 * delta - expand_like(c, delta) * lg.grad;
    auto grad_w = grad_x;
    if (tanh_box) {
      auto tanh_w = torch::tanh(w);
      grad_w = grad_x * (bounds.upper - bounds.lower) / 2 * (1 - tanh_w * tanh_w);
    }
    // The learning rate decays (cosine, to lr_final of itself) for the samples that have
    // an adversarial, to settle on the boundary; the others keep it whole to get there
    // (decaying them too cost one random target of 55 on the test CNN).
    const double progress = steps > 1 ? static_cast<double>(it) / (steps - 1) : 0.0;
    const double decayed = options_.lr_final() + (1 - options_.lr_final()) * (1 + std::cos(M_PI * progress)) / 2;
    auto has = best.found().index_select(0, active).to(x.dtype());
    auto lr = options_.effective_learning_rate() * (has * decayed + (1 - has));
    auto step = adam_direction(adam_m, adam_v, grad_w, static_cast<double>(it + 1));
    w = w - expand_like(lr, step) * step;
    // Clipped, not a change of variables: a pixel at a bound (Fashion-MNIST's black
    // background) moves at the first step that points inwards, where tanh's flat tail
    // holds it for tens of steps.
    if (!tanh_box) w = w.clamp(bounds.lower, bounds.upper);

    if (!abort.after_step(it, objective, {&active, &x0, &w, &c, &adam_m, &adam_v})) break;
  }
  return found;
}

}  // namespace advlab
