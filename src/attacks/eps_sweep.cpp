#include "advlab/attacks/eps_sweep.h"

#include "advlab/core/error.h"
#include "advlab/threat/threat_model.h"

#include <torch/torch.h>

namespace advlab {

AttackResult bound_minimum_norm_result(Classifier& model, const torch::Tensor& clean, const Criterion& criterion,
                                       const AttackResult& unbounded, const Budget& budget) {
  ADVLAB_CHECK(unbounded.minimum_distance.defined(), "eps sweep: the result is not a minimum-norm attack's");
  ADVLAB_CHECK(budget.eps && budget.threat, "eps sweep: the budget has no eps");
  const int64_t n = clean.size(0);
  ADVLAB_CHECK(unbounded.success.size(0) == n && unbounded.adversarials.size(0) == n &&
                   criterion.classes().size(0) == n,
               "eps sweep: ", n, " inputs but a result of ", unbounded.success.size(0), " and a criterion of ",
               criterion.classes().size(0), " samples");
  const auto& threat = *budget.threat;
  const double eps = *budget.eps;
  AttackResult r = unbounded;
  r.adversarials = unbounded.adversarials.clone();
  r.success = unbounded.success.clone();
  r.predictions = unbounded.predictions.clone();
  r.queries = unbounded.queries.clone();
  r.minimum_distance = unbounded.minimum_distance.clone();
  if (n == 0) return r;

  // Within eps already: the bounded run returns the same adversarial. The rest: the
  // projection of what was found, verified afresh.
  auto within = unbounded.success & ~outside_ball(unbounded.minimum_distance, eps);
  auto rest = (~within).nonzero().squeeze(1);
  if (rest.numel() > 0) {
    auto device = model.device();
    auto x = clean.index_select(0, rest).to(device, torch::kFloat32);
    auto found = unbounded.adversarials.index_select(0, rest).to(device, torch::kFloat32);
    auto near = model.bounds().clip(threat.project(x, found, per_sample_eps(eps, x)));
    torch::Tensor logits;
    {
      torch::NoGradGuard no_grad;
      logits = model.logits(near);
    }
    auto fools = criterion.select(rest)->is_adversarial(logits).to(torch::kCPU);
    r.adversarials.index_copy_(0, rest, near.to(torch::kCPU));
    r.success.index_copy_(0, rest, fools);
    r.predictions.index_copy_(0, rest, logits.argmax(1).to(torch::kCPU));
    // The check is the rescue step's query, where the sample's budget has one left.
    auto spent = r.queries.index_select(0, rest);
    auto can = budget.queries > 0 ? (spent < budget.queries) : torch::ones_like(fools);
    r.queries.index_copy_(0, rest, spent + can.to(torch::kLong));
    auto d = threat.distance(x, near).to(torch::kCPU, torch::kFloat32);
    auto old = r.minimum_distance.index_select(0, rest);
    r.minimum_distance.index_copy_(0, rest, torch::where(fools, torch::minimum(old, d), old));
  }
  r.distances = measure_distances(clean.to(torch::kCPU), r.adversarials);
  return r;
}

}  // namespace advlab
