#include "advlab/attacks/gradient/ddn.h"

#include "advlab/attacks/target_sweep.h"

#include "advlab/core/cosine_anneal.h"

#include "advlab/attacks/best_adversarial.h"
#include "advlab/core/error.h"

#include <cmath>

namespace advlab {

const ParamTable<DdnOptions>& DdnOptions::table() {
  static const auto table = ParamTable<DdnOptions>("ddn", DdnOptions())
      .add("eps", ADVLAB_FIELD(eps), "budget; none = minimum-norm only").at_least(0)
      .add("norm", ADVLAB_FIELD(norm), "threat model").one_of({"l2"})
      .add("steps", ADVLAB_FIELD(steps), "iterations").at_least(1)
      .add("init_norm", ADVLAB_FIELD(init_norm), "first radius of the perturbation").above(0)
      .add("gamma", ADVLAB_FIELD(gamma), "radius change per step").above(0).below(1)
      .add("alpha_init", ADVLAB_FIELD(alpha_init), "first step (L2 length), cosine-annealed").above(0)
      .add("alpha_final", ADVLAB_FIELD(alpha_final), "last step, <= alpha_init").above(0)
      .add("levels", ADVLAB_FIELD(levels), "round to this many levels per unit of range; 0 = no rounding").at_least(0)
      .add("target_classes", ADVLAB_FIELD(target_classes), kTargetSweepHelp).at_least(0);
  return table;
}

Ddn::Ddn(DdnOptions options) : MinimumNormAttack("ddn", options.norm(), options.eps()), options_(std::move(options)) {
  DdnOptions::table().validate(options_);
  ADVLAB_CHECK(options_.alpha_final() <= options_.alpha_init(), "ddn: alpha_final must be in (0, alpha_init], got ",
               options_.alpha_final());
}

nlohmann::json Ddn::options_json() const { return DdnOptions::table().to_json(options_); }

torch::Tensor Ddn::minimise(AttackContext& context, const torch::Tensor& x, const Criterion& criterion) {
  const auto bounds = context.bounds();
  const CrossEntropyLoss loss;  // -CE towards the target when targeted
  const int64_t n = x.size(0), steps = options_.steps();
  auto all = torch::arange(n, torch::kLong);
  auto row_norm = [](const torch::Tensor& t) { return flat(t).norm(2, 1); };
  // Rounding to the value grid keeps the adversarial a real 8-bit image when asked for.
  auto quantize = [&](const torch::Tensor& adv) {
    if (options_.levels() <= 0) return adv;
    const double step = (bounds.upper - bounds.lower) / static_cast<double>(options_.levels() - 1);
    return bounds.clip(((adv - bounds.lower) / step).round() * step + bounds.lower);
  };

  // The farthest point of the box bounds every useful radius.
  auto corner = torch::where(x - bounds.lower > bounds.upper - x, torch::full_like(x, bounds.lower),
                             torch::full_like(x, bounds.upper));
  auto worst = row_norm(corner - x).to(torch::kFloat);
  BestAdversarial best(x);
  auto eps = torch::full({n}, options_.init_norm(), x.options().dtype(torch::kFloat)).min(worst);
  auto delta = torch::zeros_like(x);
  for (int64_t step = 0; step <= steps; ++step) {
    auto adv = quantize(x + delta);
    auto norm = row_norm(adv - x).to(torch::kFloat);
    if (step == steps) {  // the last iterate is only checked
      best.update(all, adv, criterion.is_adversarial(context.logits(adv)), norm);
      break;
    }
    auto lg = context.loss_gradient(adv, loss, criterion);
    context.note_iterations(step + 1);
    auto is_adv = criterion.is_adversarial(lg.logits).to(x.device());
    best.update(all, adv, is_adv, norm);

    const double alpha = cosine_anneal(options_.alpha_init(), options_.alpha_final(), step, steps);
    auto grad_norm = row_norm(lg.grad).clamp_min(1e-12);
    delta = delta + alpha * lg.grad / expand_like(grad_norm, lg.grad);
    eps = torch::min(torch::where(is_adv, eps * (1 - options_.gamma()), eps * (1 + options_.gamma())), worst);
    // The new direction, at the adapted norm; then back into the box.
    delta = delta * expand_like(eps / row_norm(delta).clamp_min(1e-12), delta);
    delta = bounds.clip(x + delta) - x;
  }
  return best.adversarials();
}

}  // namespace advlab
