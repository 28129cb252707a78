#include "advlab/attacks/attack.h"

#include "advlab/core/error.h"
#include "advlab/threat/mask.h"

#include <ATen/CPUGeneratorImpl.h>
#include <limits>
#include <torch/torch.h>

namespace advlab {

namespace {

void check_inputs(Classifier& model, const torch::Tensor& x, const Criterion& criterion,
                  std::optional<double> eps) {
  ADVLAB_CHECK(x.defined() && x.dim() >= 2, "attack input must be a batch [N, ...], got ",
               x.defined() ? x.sizes() : c10::IntArrayRef{});
  ADVLAB_CHECK(criterion.classes().size(0) == x.size(0), "criterion has ",
               criterion.classes().size(0), " samples but the input has ", x.size(0));
  ADVLAB_CHECK(x.size(0) == 0 || torch::isfinite(x).all().item<bool>(),
               "attack input contains NaN or infinite values");
  auto b = model.bounds();
  ADVLAB_CHECK(b.contains(x), "attack input outside the model's bounds [", b.lower, ", ", b.upper,
               "]: min ", x.min().item<double>(), ", max ", x.max().item<double>());
  if (eps) ADVLAB_CHECK(*eps >= 0 && std::isfinite(*eps), "eps must be finite and >= 0, got ", *eps);
}

// Small slack so that float round-off in an attack's own projection is not "outside".
torch::Tensor outside_ball(const torch::Tensor& distance, double eps) {
  return distance > eps * (1 + 1e-5) + 1e-6;
}

// Distance of each candidate that a fresh forward pass confirms adversarial, else +inf.
torch::Tensor verified_distance(Classifier& model, const Criterion& criterion,
                                const torch::Tensor& clean, const torch::Tensor& adv,
                                const ThreatModel& threat) {
  if (clean.size(0) == 0) return torch::empty({0});
  torch::NoGradGuard no_grad;
  auto is_adv = criterion.is_adversarial(model.logits(adv)).to(torch::kCPU);
  auto d = threat.distance(clean, adv).to(torch::kCPU, torch::kFloat32);
  return torch::where(is_adv, d, torch::full_like(d, std::numeric_limits<float>::infinity()));
}

}  // namespace

AttackResult Attack::run(Classifier& model, const torch::Tensor& x, const Criterion& criterion,
                         uint64_t seed) {
  auto eps = epsilon();
  check_inputs(model, x, criterion, eps);
  const int64_t n = x.size(0);
  auto device = model.device();
  auto clean = x.detach().to(device, torch::kFloat32);
  auto crit = criterion.select(torch::arange(n, torch::kLong));

  AttackContext context(model, at::detail::createCPUGenerator(seed), torch::arange(n), n);
  auto adv = clean.clone();
  if (n > 0) {
    // Attack only the samples that are not adversarial already (e.g. misclassified).
    auto already = crit->is_adversarial(context.logits(clean)).to(torch::kCPU);
    auto todo = (~already).nonzero().squeeze(1);
    if (todo.numel() > 0) {
      context.focus(todo);
      context.watch(crit, clean, threat(), eps);
      auto todo_dev = todo.to(device);
      auto candidates = perturb(context, clean.index_select(0, todo_dev), *crit->select(todo));
      ADVLAB_CHECK(candidates.sizes() == clean.index_select(0, todo_dev).sizes(), name(),
                   " returned adversarials of shape ", candidates.sizes());
      adv.index_copy_(0, todo_dev, candidates.detach().to(device, torch::kFloat32));
    }
  }

  // Enforce the contract: finite, inside the eps-ball, inside the bounds.
  auto finite = flat(torch::isfinite(adv)).all(1);
  adv = torch::where(expand_like(finite, adv).to(torch::kBool), adv, clean);
  if (mask().defined()) adv = apply_mask(clean, adv, mask());
  adv = model.bounds().clip(adv);
  torch::Tensor minimum_distance;
  if (minimum_norm()) minimum_distance = verified_distance(model, *crit, clean, adv, threat());
  if (eps && n > 0) {
    auto e = per_sample_eps(*eps, clean);
    auto outside = outside_ball(threat().distance(clean, adv), *eps);
    adv = torch::where(expand_like(outside, adv).to(torch::kBool), threat().project(clean, adv, e), adv);
  }
  adv = model.bounds().clip(adv);

  AttackResult result;
  {
    torch::NoGradGuard no_grad;
    auto logits = n > 0 ? model.logits(adv) : torch::empty({0, 1});
    result.success = crit->is_adversarial(logits).to(torch::kCPU);
    result.predictions = logits.argmax(1).to(torch::kCPU);
  }
  result.adversarials = adv.to(torch::kCPU);
  result.distances = measure_distances(clean, adv);
  result.queries = context.queries();
  result.gradients = context.gradients();
  result.iterations = context.iterations();
  result.minimum_distance = minimum_distance;
  result.extras = context.extras();
  auto seen = context.seen_adversarial();
  result.silent_failure = seen.defined() ? (seen & ~result.success) : torch::zeros({n}, torch::kBool);
  return result;
}

}  // namespace advlab
