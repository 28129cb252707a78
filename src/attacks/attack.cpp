#include "advlab/attacks/attack.h"

#include "advlab/core/error.h"
#include "advlab/models/row_groups.h"
#include "advlab/threat/mask.h"

#include <ATen/CPUGeneratorImpl.h>
#include <algorithm>
#include <limits>
#include <optional>
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

double Attack::eps() const {
  ADVLAB_CHECK(budget().eps, name_, " needs a budget eps (--eps)");
  return *budget().eps;
}

nlohmann::json Attack::params(const Budget& b) const {
  auto j = options_json();
  if (j.contains("norm")) j["norm"] = b.norm();
  if (j.contains("eps")) j["eps"] = b.eps ? nlohmann::json(*b.eps) : nlohmann::json(nullptr);
  if (j.contains("queries")) j["queries"] = b.queries;
  return j;
}

torch::Tensor Attack::rescue_far(AttackContext& context, const torch::Tensor& x, torch::Tensor adv,
                                 const Criterion& criterion) {
  auto eps = per_sample_eps(*epsilon(), x);
  auto beyond = (threat().distance(x, adv) > eps).nonzero().squeeze(1);
  if (query_budget() > 0 && beyond.numel() > 0) {  // the check costs a query
    auto left = context.queries_of(beyond.to(torch::kCPU)) < query_budget();
    beyond = beyond.index_select(0, left.to(beyond.device()).nonzero().squeeze(1));
  }
  if (beyond.numel() == 0) return adv;
  auto far = adv.index_select(0, beyond);
  auto near = context.bounds().clip(threat().project(x.index_select(0, beyond), far, eps.index_select(0, beyond)));
  auto is_adv = criterion.select(beyond.to(torch::kCPU))->is_adversarial(context.logits(near, beyond));
  auto take = is_adv.to(adv.device()).nonzero().squeeze(1);
  return adv.index_copy(0, beyond.index_select(0, take), near.index_select(0, take));
}

AttackResult Attack::run(Classifier& model, const torch::Tensor& x, const Criterion& criterion,
                         uint64_t seed) {
  return run(model, x, criterion, defaults_, seed);
}

AttackResult Attack::run(Classifier& model, const torch::Tensor& x, const Criterion& criterion,
                         const Budget& budget, uint64_t seed) {
  return run(model, x, criterion, budget, SampleSeeds::first(seed, x.defined() && x.dim() > 0 ? x.size(0) : 0));
}

AttackResult Attack::run(Classifier& model, const torch::Tensor& x, const Criterion& criterion,
                         const Budget& budget, const SampleSeeds& seeds) {
  ADVLAB_CHECK(budget.threat, name_, ": budget without a threat model");
  if (!norms_.empty()) {
    std::string known;
    for (const auto& n : norms_) known += (known.empty() ? "" : ", ") + n;
    ADVLAB_CHECK(std::find(norms_.begin(), norms_.end(), budget.norm()) != norms_.end(), name_,
                 ": norm must be one of ", known, ", got '", budget.norm(), "'");
  }
  // The budget is the run's: perturb() reads it through threat()/epsilon()/eps().
  current_ = budget;
  auto eps = budget.eps;
  check_inputs(model, x, criterion, eps);
  const int64_t n = x.size(0);
  auto device = model.device();
  // The attack's own operators are small; its model passes run as groups side by side on
  // the cores (row_groups.h), which OpenMP helpers spinning between those operators slow.
  std::optional<SerialOperators> serial;
  if (device.is_cpu() && model.pass_rows() > 0) serial.emplace();
  auto clean = x.detach().to(device, torch::kFloat32);
  auto crit = criterion.select(torch::arange(n, torch::kLong));

  ADVLAB_CHECK(seeds.ids.defined() && seeds.ids.numel() == n, name_, ": ", n, " samples but ",
               seeds.ids.defined() ? seeds.ids.numel() : 0, " sample ids");
  // Attacks that still draw from one batch generator: seeded by the batch's first sample.
  const uint64_t batch_seed = n > 0 ? seeds.seed + static_cast<uint64_t>(seeds.ids[0].item<int64_t>()) : seeds.seed;
  AttackContext context(model, at::detail::createCPUGenerator(batch_seed), torch::arange(n), n);
  context.set_sample_random(SampleRandom(seeds));
  auto adv = clean.clone();
  if (n > 0) {
    // Attack only the samples that are not adversarial already (e.g. misclassified).
    auto already = crit->is_adversarial(context.logits(clean)).to(torch::kCPU);
    auto todo = (~already).nonzero().squeeze(1);
    if (todo.numel() > 0) {
      context.focus(todo);
      context.watch(crit, clean, threat(), eps);
      auto todo_dev = todo.to(device);
      auto x_todo = clean.index_select(0, todo_dev);
      auto todo_crit = crit->select(todo);
      auto candidates = perturb(context, x_todo, *todo_crit);
      ADVLAB_CHECK(candidates.sizes() == x_todo.sizes(), name_, " returned adversarials of shape ",
                   candidates.sizes());
      candidates = candidates.detach().to(device, torch::kFloat32);
      if (minimum_norm() && eps) candidates = rescue_far(context, x_todo, candidates, *todo_crit);
      adv.index_copy_(0, todo_dev, candidates);
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
  if (minimum_distance.defined() && eps && n > 0) {
    // A far candidate whose projection fools the model (unchecked for want of queries)
    // is an adversarial within eps: its minimum distance is the projection's.
    auto d = threat().distance(clean, adv).to(torch::kCPU, torch::kFloat32);
    auto fix = result.success & outside_ball(minimum_distance, *eps);
    minimum_distance = torch::where(fix, d, minimum_distance);
  }
  result.minimum_distance = minimum_distance;
  result.extras = context.extras();
  auto seen = context.seen_adversarial();
  result.silent_failure = seen.defined() ? (seen & ~result.success) : torch::zeros({n}, torch::kBool);
  return result;
}

}  // namespace advlab
