#include "advlab/attacks/gradient/gradient_descent.h"

#include "advlab/attacks/best_adversarial.h"
#include "advlab/attacks/keep_rows.h"
#include "advlab/core/error.h"

#include <torch/torch.h>

#include <cmath>

namespace advlab {

namespace {

// One sample's input diversity (Xie et al.): with probability `prob`, a nearest-neighbour
// resize to h' x w' with h' in [floor(rate*H), H), then padding with `fill` back to H x W at
// a random offset. v holds the sample's 5 uniforms: coin, h', w', top, left.
torch::Tensor diverse_sample(const torch::Tensor& x, const double* v, double prob, double rate, double fill) {
  auto pick = [v](int index, int64_t lo, int64_t hi) {  // uniform integer in [lo, hi]
    if (hi <= lo) return lo;
    return std::min(hi, lo + static_cast<int64_t>(v[index] * static_cast<double>(hi - lo + 1)));
  };
  if (v[0] >= prob) return x;
  const int64_t h = x.size(2), w = x.size(3);
  int64_t rh = std::max<int64_t>(pick(1, static_cast<int64_t>(std::floor(rate * h)), h - 1), 1);
  int64_t rw = std::max<int64_t>(pick(2, static_cast<int64_t>(std::floor(rate * w)), w - 1), 1);
  namespace F = torch::nn::functional;
  auto resized = F::interpolate(
      x, F::InterpolateFuncOptions().size(std::vector<int64_t>{rh, rw}).mode(torch::kNearest));
  int64_t top = pick(3, 0, h - rh), left = pick(4, 0, w - rw);
  return torch::constant_pad_nd(resized, {left, w - rw - left, top, h - rh - top}, fill);
}

}  // namespace

LossGradient GradientDescentAttack::gradient(AttackContext& context, const torch::Tensor& adv,
                                             const Criterion& criterion, const torch::Tensor& active,
                                             const DescentSettings& s, bool& plain) {
  plain = s.diversity_prob <= 0;
  if (plain) return context.loss_gradient(adv, loss(), criterion, active);
  ADVLAB_CHECK(adv.dim() == 4, name(), ": input diversity needs images [N, C, H, W], got ", adv.sizes());
  // Each sample's coin and transform come from its own generator (the same in any batch).
  // On the CPU once per step: reading them one by one from a GPU would sync per sample.
  auto u = context.per_sample(active, [](at::Generator& g, int64_t) {
                    return at::rand({1, 5}, g, torch::kFloat64);
                  }).to(torch::kCPU, torch::kFloat64).contiguous();
  // The model sees T(adv); the gradient w.r.t. adv is the vector-Jacobian product of T.
  torch::AutoGradMode grad_on(true);
  auto input = adv.detach().requires_grad_(true);
  std::vector<torch::Tensor> rows;
  for (int64_t i = 0; i < input.size(0); ++i)
    rows.push_back(diverse_sample(input.narrow(0, i, 1), u.data_ptr<double>() + 5 * i, s.diversity_prob,
                                  s.resize_rate, context.bounds().lower));
  auto transformed = torch::cat(rows);
  auto lg = context.loss_gradient(transformed.detach(), loss(), criterion, active);
  lg.grad = torch::autograd::grad({transformed}, {input}, {lg.grad})[0].detach();
  return lg;
}

torch::Tensor GradientDescentAttack::perturb(AttackContext& context, const torch::Tensor& x,
                                             const Criterion& criterion) {
  const auto s = settings(eps(), context.bounds());
  ADVLAB_CHECK(s.steps >= 1, name(), ": steps must be >= 1, got ", s.steps);
  ADVLAB_CHECK(std::isfinite(s.step_size) && s.step_size >= 0, name(), ": step size must be finite and >= 0, got ",
               s.step_size);
  BestAdversarial best(x);
  torch::Tensor last = x.clone();
  for (int64_t run = 0; run < s.restarts; ++run) {
    auto rows = best.remaining();
    if (rows.numel() == 0) break;
    // Without random start every run would repeat the first, so later runs start randomly.
    auto iterates = run_once(context, x, criterion, rows, best, s, s.random_start || run > 0);
    last.index_copy_(0, rows.to(x.device()), iterates);
  }
  if (!s.return_last_iterate) return best.adversarials();
  auto failed = best.remaining().to(x.device());
  return best.adversarials().index_copy(0, failed, last.index_select(0, failed));
}

torch::Tensor GradientDescentAttack::run_once(AttackContext& context, const torch::Tensor& x,
                                              const Criterion& criterion, const torch::Tensor& rows,
                                              BestAdversarial& best, const DescentSettings& s,
                                              bool random_start) {
  auto bounds = context.bounds();
  auto device = x.device();
  auto all = rows.to(device);
  auto active = all;  // indices into x of samples still being attacked
  auto origin = x.index_select(0, active);
  auto eps = per_sample_eps(this->eps(), origin);
  auto draw_start = [&](at::Generator& g, int64_t i) {
    return threat().random_init(origin.narrow(0, i, 1), eps.narrow(0, i, 1), g, bounds);
  };
  auto adv = random_start ? bounds.clip(threat().project(origin, context.per_sample(active, draw_start), eps))
                          : origin.clone();
  auto last = adv.clone();  // the last iterate of each row of `all`
  auto momentum = s.decay > 0 ? torch::zeros_like(origin) : torch::Tensor();  // MI-FGSM only
  auto place = torch::arange(all.size(0), torch::TensorOptions(torch::kLong).device(device));

  for (int64_t step = 0; step <= s.steps; ++step) {
    auto crit = criterion.select(active.to(torch::kCPU));
    if (step == s.steps) {  // the last iterate is only checked
      best.update(active, adv, crit->is_adversarial(context.logits(adv, active)));
      break;
    }
    bool plain = true;
    auto lg = gradient(context, adv, *crit, active, s, plain);
    auto logits = plain ? lg.logits : context.logits(adv, active);
    auto is_adv = crit->is_adversarial(logits);
    best.update(active, adv, is_adv);
    auto keep = (~is_adv).nonzero().squeeze(1);
    if (keep.numel() == 0) break;
    context.note_iterations(step + 1);
    auto grad = lg.grad;
    // Rows leave once broken; while none do (a robust model's steps), nothing is copied.
    if (keep.numel() < active.numel()) keep_rows(keep, {&active, &origin, &eps, &place, &grad, &adv, &momentum});
    if (s.decay > 0) {
      // Momentum accumulates gradients scaled to unit L1 norm, so no step dominates.
      auto l1 = flat(grad).abs().sum(1).clamp_min(1e-12);
      grad = s.decay * momentum + grad / expand_like(l1, grad);
      momentum = grad;
    }
    adv = projected_step(threat(), origin, adv, grad, s.step_size, eps, bounds.lower, bounds.upper);
    last.index_copy_(0, place, adv);
  }
  return last;
}

}  // namespace advlab
