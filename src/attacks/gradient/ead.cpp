#include "advlab/attacks/gradient/ead.h"

#include "advlab/attacks/best_adversarial.h"
#include "advlab/attacks/gradient/constant_search.h"
#include "advlab/core/error.h"

#include <torch/torch.h>

#include <cmath>
#include <limits>

namespace advlab {

namespace detail_ead {

// Projected shrinkage-thresholding S_beta around x0: coordinates that moved by more
// than beta shrink towards x0 by beta (and are clipped to the bounds), the rest reset.
torch::Tensor shrink(const torch::Tensor& z, const torch::Tensor& x0, double beta, const Bounds& b) {
  auto diff = z - x0;
  auto up = (z - beta).clamp_max(b.upper);
  auto down = (z + beta).clamp_min(b.lower);
  return torch::where(diff > beta, up, torch::where(diff < -beta, down, x0));
}

}  // namespace detail_ead

EadOptions EadOptions::from_params(ParamReader& params) {
  EadOptions o;
  return o.eps(params.find_double("eps"))
      .norm(params.get_string("norm", "l1"))
      .steps(params.get_int("steps", o.steps()))
      .search_steps(params.get_int("search_steps", o.search_steps()))
      .initial_const(params.get_double("initial_const", o.initial_const()))
      .learning_rate(params.get_double("learning_rate", o.learning_rate()))
      .beta(params.get_double("beta", o.beta()))
      .confidence(params.get_double("confidence", o.confidence()))
      .decision_rule(params.get_string("decision_rule", o.decision_rule()))
      .fista(params.get_bool("fista", o.fista()))
      .abort_early(params.get_bool("abort_early", o.abort_early()));
}

Ead::Ead(EadOptions options)
    : MinimumNormAttack("ead", options.norm(), options.eps()), options_(std::move(options)) {
  const auto& o = options_;
  ADVLAB_CHECK(o.norm() == "l1", "ead: norm must be l1, got '", o.norm(), "'");
  ADVLAB_CHECK(o.steps() >= 1, "ead: steps must be >= 1, got ", o.steps());
  ADVLAB_CHECK(o.search_steps() >= 1, "ead: search_steps must be >= 1, got ", o.search_steps());
  ADVLAB_CHECK(o.initial_const() > 0 && std::isfinite(o.initial_const()),
               "ead: initial_const must be > 0 and finite, got ", o.initial_const());
  ADVLAB_CHECK(o.learning_rate() > 0 && std::isfinite(o.learning_rate()),
               "ead: learning_rate must be > 0 and finite, got ", o.learning_rate());
  ADVLAB_CHECK(o.beta() >= 0 && std::isfinite(o.beta()), "ead: beta must be >= 0 and finite, got ",
               o.beta());
  ADVLAB_CHECK(o.confidence() >= 0 && std::isfinite(o.confidence()),
               "ead: confidence must be >= 0 and finite, got ", o.confidence());
  ADVLAB_CHECK(o.decision_rule() == "en" || o.decision_rule() == "l1",
               "ead: decision_rule must be en or l1, got '", o.decision_rule(), "'");
}

nlohmann::json Ead::params() const {
  const auto& o = options_;
  return {{"eps", eps_json()},
          {"norm", o.norm()},
          {"steps", o.steps()},
          {"search_steps", o.search_steps()},
          {"initial_const", o.initial_const()},
          {"learning_rate", o.learning_rate()},
          {"beta", o.beta()},
          {"confidence", o.confidence()},
          {"decision_rule", o.decision_rule()},
          {"fista", o.fista()},
          {"abort_early", o.abort_early()}};
}

torch::Tensor Ead::minimise(AttackContext& context, const torch::Tensor& x, const Criterion& criterion) {
  BestAdversarial best(x);
  ConstantSearch search(x.size(0), options_.initial_const(), x.options());
  int64_t iterations = 0;
  for (int64_t s = 0; s < options_.search_steps(); ++s)
    search.update(optimise(context, x, criterion, search.constants(), best, iterations));
  return best.adversarials();
}

torch::Tensor Ead::optimise(AttackContext& context, const torch::Tensor& x, const Criterion& criterion,
                            const torch::Tensor& c_all, BestAdversarial& best, int64_t& iterations) {
  const auto bounds = context.bounds();
  const double kappa = options_.confidence(), beta = options_.beta();
  const bool l1_rule = options_.decision_rule() == "l1";
  MarginLoss margin(kappa);  // min(margin, kappa): the hinge is kappa - this
  auto found = torch::zeros({x.size(0)}, x.options().dtype(torch::kBool));
  auto active = torch::arange(x.size(0), x.options().dtype(torch::kLong));
  auto x0 = x;
  auto current = x.clone();  // x^(k)
  auto slack = x.clone();    // y^(k), where the gradient is taken
  auto c = c_all.to(x.dtype());
  auto previous = torch::full({x.size(0)}, std::numeric_limits<float>::infinity(), x.options());
  const int64_t check_every = std::max<int64_t>(1, options_.steps() / 10);

  for (int64_t k = 0; k < options_.steps(); ++k) {
    context.note_iterations(++iterations);
    auto crit = criterion.select(active.to(torch::kCPU));
    double lr = options_.learning_rate() * std::sqrt(1.0 - static_cast<double>(k) / options_.steps());
    auto lg = context.loss_gradient(slack, margin, *crit, active);
    // Gradient of c * (kappa - margin) + ||y - x0||_2^2; the L1 part goes to S_beta.
    auto grad = 2 * (slack - x0) - expand_like(c, x0) * lg.grad;
    auto next = detail_ead::shrink(slack - lr * grad, x0, beta, bounds);
    slack = options_.fista() ? bounds.clip(next + (static_cast<double>(k) / (k + 3)) * (next - current))
                             : next;
    current = next;

    auto logits = context.logits(current, active);
    auto m = margin(logits, *crit);
    auto delta = flat(current - x0);
    auto l1 = delta.abs().sum(1), l2sq = delta.pow(2).sum(1);
    auto ok = crit->is_adversarial(logits) & (m >= kappa);
    best.update(active, current, ok, l1_rule ? l1 : l2sq + beta * l1);
    found.index_copy_(0, active, found.index_select(0, active) | ok);

    if (options_.abort_early() && (k + 1) % check_every == 0) {
      auto objective = c * (kappa - m) + l2sq + beta * l1;
      auto keep = (objective <= previous * 0.9999).nonzero().squeeze(1);
      if (keep.numel() == 0) break;
      previous = objective.index_select(0, keep);
      active = active.index_select(0, keep);
      x0 = x0.index_select(0, keep);
      current = current.index_select(0, keep);
      slack = slack.index_select(0, keep);
      c = c.index_select(0, keep);
    }
  }
  return found;
}

}  // namespace advlab
