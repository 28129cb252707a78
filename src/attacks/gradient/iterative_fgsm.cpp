#include "advlab/attacks/gradient/iterative_fgsm.h"

#include "advlab/attacks/best_adversarial.h"
#include "advlab/core/error.h"

#include <torch/torch.h>

#include <cmath>

namespace advlab {

namespace detail_ifgsm {

// Random resize (nearest neighbour, as in Xie et al.) to h' x w' with h' in
// [floor(rate*H), H), then random padding (with `fill`) back to H x W. Draws from `gen`.
torch::Tensor diverse_input(const torch::Tensor& x, double rate, double fill, at::Generator& gen) {
  const int64_t h = x.size(2), w = x.size(3);
  auto draw = [&gen](int64_t lo, int64_t hi) {  // uniform integer in [lo, hi]
    if (hi <= lo) return lo;
    return at::randint(lo, hi + 1, {1}, gen, torch::kLong).item<int64_t>();
  };
  int64_t rh = draw(static_cast<int64_t>(std::floor(rate * h)), h - 1);
  int64_t rw = draw(static_cast<int64_t>(std::floor(rate * w)), w - 1);
  rh = std::max<int64_t>(rh, 1);
  rw = std::max<int64_t>(rw, 1);
  namespace F = torch::nn::functional;
  auto resized = F::interpolate(
      x, F::InterpolateFuncOptions().size(std::vector<int64_t>{rh, rw}).mode(torch::kNearest));
  int64_t top = draw(0, h - rh), left = draw(0, w - rw);
  return torch::constant_pad_nd(resized, {left, w - rw - left, top, h - rh - top}, fill);
}

}  // namespace detail_ifgsm

void require_norm(const std::string& attack, const std::string& norm,
                  const std::vector<std::string>& allowed) {
  std::string known;
  for (const auto& n : allowed) {
    if (n == norm) return;
    known += (known.empty() ? "" : ", ") + n;
  }
  throw Error(attack + ": norm must be one of " + known + ", got '" + norm + "'");
}

IterativeFgsm::IterativeFgsm(std::string name, double eps, const std::string& norm,
                             const std::string& loss, IterativeFgsmSettings settings)
    : BoundedGradientAttack(name, eps, norm, loss), settings_(settings) {
  const auto& s = settings_;
  ADVLAB_CHECK(s.steps >= 1, name, ": steps must be >= 1, got ", s.steps);
  ADVLAB_CHECK(std::isfinite(s.step_size) && (s.step_size > 0 || eps == 0), name,
               ": step_size must be > 0 and finite, got ", s.step_size);
  ADVLAB_CHECK(std::isfinite(s.decay) && s.decay >= 0, name, ": decay must be >= 0, got ", s.decay);
  ADVLAB_CHECK(s.diversity_prob >= 0 && s.diversity_prob <= 1, name,
               ": diversity_prob must be in [0, 1], got ", s.diversity_prob);
  ADVLAB_CHECK(s.resize_rate > 0 && s.resize_rate <= 1, name,
               ": resize_rate must be in (0, 1], got ", s.resize_rate);
}

LossGradient IterativeFgsm::gradient(AttackContext& context, const torch::Tensor& adv,
                                     const Criterion& criterion, const torch::Tensor& active,
                                     bool& plain) {
  plain = true;
  if (settings_.diversity_prob > 0) {
    double coin = at::rand({1}, context.generator(), torch::kFloat64).item<double>();
    plain = coin >= settings_.diversity_prob;
  }
  if (plain) return context.loss_gradient(adv, loss(), criterion, active);
  ADVLAB_CHECK(adv.dim() == 4, name(), ": input diversity needs images [N, C, H, W], got ",
               adv.sizes());
  // The model sees T(adv); the gradient w.r.t. adv is the vector-Jacobian product of T.
  torch::AutoGradMode grad_on(true);
  auto input = adv.detach().requires_grad_(true);
  auto transformed = detail_ifgsm::diverse_input(input, settings_.resize_rate,
                                                 context.bounds().lower, context.generator());
  auto lg = context.loss_gradient(transformed.detach(), loss(), criterion, active);
  lg.grad = torch::autograd::grad({transformed}, {input}, {lg.grad})[0].detach();
  return lg;
}

torch::Tensor IterativeFgsm::perturb(AttackContext& context, const torch::Tensor& x,
                                     const Criterion& criterion) {
  BestAdversarial best(x);
  auto bounds = context.bounds();
  auto active = torch::arange(x.size(0), torch::TensorOptions(torch::kLong).device(x.device()));
  auto origin = x;
  auto adv = x.clone();
  auto eps = per_sample_eps(this->eps(), x);
  auto momentum = torch::zeros_like(x);

  for (int64_t step = 0; step <= settings_.steps; ++step) {
    auto crit = criterion.select(active.to(torch::kCPU));
    if (step == settings_.steps) {  // the last iterate is only checked
      best.update(active, adv, crit->is_adversarial(context.logits(adv, active)));
      break;
    }
    bool plain = true;
    auto lg = gradient(context, adv, *crit, active, plain);
    auto logits = plain ? lg.logits : context.logits(adv, active);
    auto is_adv = crit->is_adversarial(logits);
    best.update(active, adv, is_adv);
    auto keep = (~is_adv).nonzero().squeeze(1);
    if (keep.numel() == 0) break;
    context.note_iterations(step + 1);
    active = active.index_select(0, keep);
    origin = origin.index_select(0, keep);
    eps = eps.index_select(0, keep);
    auto grad = lg.grad.index_select(0, keep);
    // Momentum accumulates gradients scaled to unit L1 norm, so no step dominates.
    auto l1 = flat(grad).abs().sum(1).clamp_min(1e-12);
    momentum = settings_.decay * momentum.index_select(0, keep) + grad / expand_like(l1, grad);
    adv = adv.index_select(0, keep) + settings_.step_size * threat().normalize_grad(momentum);
    adv = bounds.clip(threat().project(origin, adv, eps));
  }
  // Samples never broken come back unchanged, as for PGD.
  return best.adversarials();
}

}  // namespace advlab
