#include "advlab/attacks/gradient/sigma_zero.h"

#include "advlab/attacks/best_adversarial.h"
#include "advlab/attacks/mask/l0_prune.h"
#include "advlab/core/error.h"

#include <cmath>

namespace advlab {

const ParamTable<SigmaZeroOptions>& SigmaZeroOptions::table() {
  static const auto table = ParamTable<SigmaZeroOptions>("sigma-zero", SigmaZeroOptions())
      .add("eps", ADVLAB_FIELD(eps), "budget (pixels); none = minimum-norm only").at_least(0)
      .add("norm", ADVLAB_FIELD(norm), "threat model").one_of({"l0"})
      .add("steps", ADVLAB_FIELD(steps), "iterations").at_least(1)
      .add("lr", ADVLAB_FIELD(lr), "first step (fraction of the box width), cosine-annealed to lr / 10").above(0)
      .add("sigma", ADVLAB_FIELD(sigma), "L0 approximation d^2 / (d^2 + sigma); smaller = sharper").above(0)
      .add("tau_init", ADVLAB_FIELD(tau_init), "first pruning threshold (fraction of the box width)").at_least(0).at_most(1)
      .add("tau_factor", ADVLAB_FIELD(tau_factor), "threshold change per step, times the step size").at_least(0)
      .add("prune", ADVLAB_FIELD(prune), "changed coordinates tried for reversal per found adversarial (L0), 0 = none").at_least(0);
  return table;
}

SigmaZero::SigmaZero(SigmaZeroOptions options)
    : Attack("sigma-zero", Budget::of(options.norm(), options.eps())), options_(std::move(options)) {
  SigmaZeroOptions::table().validate(options_);
}

nlohmann::json SigmaZero::options_json() const { return SigmaZeroOptions::table().to_json(options_); }

torch::Tensor SigmaZero::perturb(AttackContext& context, const torch::Tensor& x, const Criterion& criterion) {
  const auto bounds = context.bounds();
  const double width = bounds.upper - bounds.lower;
  // The margin capped at 0: it pulls only while the iterate is not adversarial, then the
  // L0 term alone prunes.
  const MarginLoss loss(0.0);
  const int64_t n = x.size(0), steps = options_.steps();
  const double sigma = options_.sigma(), pi = std::acos(-1.0);
  const double inputs = static_cast<double>(x[0].numel());
  // Adam's constants, as in the authors' implementation.
  const double beta1 = 0.9, beta2 = 0.999, adam_eps = 1e-8;
  auto all = torch::arange(n, torch::kLong);

  // u = delta / width: the paper's [0, 1] quantities on any box. Its limits keep x + delta
  // inside the bounds.
  auto u_low = (bounds.lower - x) / width, u_high = (bounds.upper - x) / width;
  auto u = torch::zeros_like(x);
  auto first_moment = torch::zeros_like(x), second_moment = torch::zeros_like(x);
  auto tau = torch::full({n}, options_.tau_init(), x.options());
  BestAdversarial best(x);

  for (int64_t step = 0; step <= steps; ++step) {
    auto adv = bounds.clip(x + width * u);
    auto norm = threat().distance(x, adv).to(torch::kFloat);
    if (step == steps) {  // the last iterate is only checked
      best.update(all, adv, criterion.is_adversarial(context.logits(adv)), norm);
      break;
    }
    auto lg = context.loss_gradient(adv, loss, criterion);
    context.note_iterations(step + 1);
    auto is_adv = criterion.is_adversarial(lg.logits).to(x.device());
    best.update(all, adv, is_adv, norm);

    // Descent direction of -loss + mean_j u_j^2 / (u_j^2 + sigma), in units of u.
    auto u2 = u * u;
    auto grad = -width * lg.grad + (2 * sigma / inputs) * u / (u2 + sigma).square();
    grad = grad / expand_like(flat(grad).abs().amax(1).clamp_min(1e-12), grad);

    const double t = static_cast<double>(step + 1);
    const double lr = options_.lr() * (0.1 + 0.9 * (1 + std::cos(pi * static_cast<double>(step) / steps)) / 2);
    first_moment = beta1 * first_moment + (1 - beta1) * grad;
    second_moment = beta2 * second_moment + (1 - beta2) * grad * grad;
    auto denom = (second_moment / (1 - std::pow(beta2, t))).sqrt() + adam_eps;
    u = u - (lr / (1 - std::pow(beta1, t))) * first_moment / denom;
    u = torch::maximum(torch::minimum(u, u_high), u_low);

    // Prune harder while adversarial, less while not; then drop what is below tau.
    tau = (tau + torch::where(is_adv, options_.tau_factor() * lr, -options_.tau_factor() * lr)).clamp(0, 1);
    u = u.masked_fill(u.abs() < expand_like(tau, u), 0);
  }
  return prune_l0(context, x, best.adversarials(), best.found(), criterion, options_.prune());
}

}  // namespace advlab
