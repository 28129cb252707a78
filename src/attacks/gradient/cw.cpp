#include "advlab/attacks/gradient/cw.h"

#include "advlab/attacks/best_adversarial.h"
#include "advlab/attacks/gradient/constant_search.h"
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

struct Adam {
  torch::Tensor m, v;
  int64_t t = 0;
  torch::Tensor step(const torch::Tensor& grad, double lr) {
    ++t;
    m = 0.9 * m + 0.1 * grad;
    v = 0.999 * v + 0.001 * grad * grad;
    auto m_hat = m / (1 - std::pow(0.9, t));
    auto v_hat = v / (1 - std::pow(0.999, t));
    return lr * m_hat / (v_hat.sqrt() + 1e-8);
  }
};

}  // namespace detail_cw

CarliniWagnerOptions CarliniWagnerOptions::from_params(ParamReader& params) {
  CarliniWagnerOptions o;
  return o.eps(params.find_double("eps"))
      .norm(params.get_string("norm", "l2"))
      .steps(params.get_int("steps", o.steps()))
      .search_steps(params.get_int("search_steps", o.search_steps()))
      .initial_const(params.get_double("initial_const", o.initial_const()))
      .learning_rate(params.get_double("learning_rate", o.learning_rate()))
      .confidence(params.get_double("confidence", o.confidence()))
      .abort_early(params.get_bool("abort_early", o.abort_early()));
}

CarliniWagner::CarliniWagner(CarliniWagnerOptions options)
    : MinimumNormAttack("cw", options.norm(), options.eps()), options_(std::move(options)) {
  const auto& o = options_;
  ADVLAB_CHECK(o.norm() == "l2", "cw: norm must be l2, got '", o.norm(), "'");
  ADVLAB_CHECK(o.steps() >= 1, "cw: steps must be >= 1, got ", o.steps());
  ADVLAB_CHECK(o.search_steps() >= 1, "cw: search_steps must be >= 1, got ", o.search_steps());
  ADVLAB_CHECK(o.initial_const() > 0 && std::isfinite(o.initial_const()),
               "cw: initial_const must be > 0 and finite, got ", o.initial_const());
  ADVLAB_CHECK(o.learning_rate() > 0 && std::isfinite(o.learning_rate()),
               "cw: learning_rate must be > 0 and finite, got ", o.learning_rate());
  ADVLAB_CHECK(o.confidence() >= 0 && std::isfinite(o.confidence()),
               "cw: confidence must be >= 0 and finite, got ", o.confidence());
}

nlohmann::json CarliniWagner::params() const {
  const auto& o = options_;
  return {{"eps", eps_json()},
          {"norm", o.norm()},
          {"steps", o.steps()},
          {"search_steps", o.search_steps()},
          {"initial_const", o.initial_const()},
          {"learning_rate", o.learning_rate()},
          {"confidence", o.confidence()},
          {"abort_early", o.abort_early()}};
}

torch::Tensor CarliniWagner::minimise(AttackContext& context, const torch::Tensor& x,
                                     const Criterion& criterion) {
  BestAdversarial best(x);
  ConstantSearch search(x.size(0), options_.initial_const(), x.options());
  auto w0 = detail_cw::to_tanh_space(x, context.bounds());
  int64_t iterations = 0;
  for (int64_t s = 0; s < options_.search_steps(); ++s) {
    auto found = optimise(context, x, w0, criterion, search.constants(), best, iterations);
    search.update(found);
  }
  return best.adversarials();
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
  detail_cw::Adam adam{torch::zeros_like(w), torch::zeros_like(w)};
  auto previous = torch::full({x.size(0)}, std::numeric_limits<float>::infinity(), x.options());
  const int64_t check_every = std::max<int64_t>(1, options_.steps() / 10);

  for (int64_t it = 0; it < options_.steps(); ++it) {
    context.note_iterations(++iterations);
    auto crit = criterion.select(active.to(torch::kCPU));
    auto adv = detail_cw::to_box(w, bounds);
    auto lg = context.loss_gradient(adv, margin, *crit, active);
    auto delta = adv - x0;
    auto squared = flat(delta).pow(2).sum(1);
    auto objective = squared + c * (kappa - lg.loss);
    auto ok = crit->is_adversarial(lg.logits) & (lg.loss >= kappa);
    best.update(active, adv, ok, squared.sqrt());
    found.index_copy_(0, active, found.index_select(0, active) | ok);

    // d/dw of ||delta||^2 + c * (kappa - margin), through the tanh box.
    auto grad_x = 2 * delta - expand_like(c, delta) * lg.grad;
    auto tanh_w = torch::tanh(w);
    auto grad_w = grad_x * (bounds.upper - bounds.lower) / 2 * (1 - tanh_w * tanh_w);
    w = w - adam.step(grad_w, options_.learning_rate());

    if (options_.abort_early() && (it + 1) % check_every == 0) {
      // A sample whose objective no longer decreases stops (as C&W's abort_early).
      auto keep = (objective <= previous * 0.9999).nonzero().squeeze(1);
      if (keep.numel() == 0) break;
      previous = objective.index_select(0, keep);
      active = active.index_select(0, keep);
      x0 = x0.index_select(0, keep);
      w = w.index_select(0, keep);
      c = c.index_select(0, keep);
      adam.m = adam.m.index_select(0, keep);
      adam.v = adam.v.index_select(0, keep);
    }
  }
  return found;
}

}  // namespace advlab
