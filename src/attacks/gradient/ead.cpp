#include "advlab/attacks/gradient/ead.h"

#include "advlab/attacks/target_sweep.h"

#include "advlab/attacks/best_adversarial.h"
#include "advlab/attacks/gradient/constant_search.h"
#include "advlab/attacks/gradient/early_abort.h"
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

const ParamTable<EadOptions>& EadOptions::table() {
  static const auto table = ParamTable<EadOptions>("ead", EadOptions())
      .add("eps", ADVLAB_FIELD(eps), "budget; none = minimum-norm only").at_least(0)
      .add("norm", ADVLAB_FIELD(norm), "threat model").one_of({"l1"})
      .add("steps", ADVLAB_FIELD(steps), "iterations per value of c").at_least(1)
      .add("search_steps", ADVLAB_FIELD(search_steps), "values of c tried (binary search)").at_least(1)
      .add("initial_const", ADVLAB_FIELD(initial_const), "first c, the weight of the misclassification term").above(0)
      .add("learning_rate", ADVLAB_FIELD(learning_rate), "step of the (F)ISTA iterations").above(0).alias("step_size")
      .add("beta", ADVLAB_FIELD(beta), "L1 weight and shrinkage threshold").at_least(0)
      .add("confidence", ADVLAB_FIELD(confidence), "logit margin kappa asked for").at_least(0)
      .add("decision_rule", ADVLAB_FIELD(decision_rule), "which adversarial is best: smallest L1 or elastic net")
      .one_of({"l1", "en"})
      .add("fista", ADVLAB_FIELD(fista), "FISTA momentum; false = plain ISTA")
      .add("abort_early", ADVLAB_FIELD(abort_early), "stop a value of c once the loss stalls")
      .add("target_classes", ADVLAB_FIELD(target_classes), kTargetSweepHelp).at_least(0);
  return table;
}

Ead::Ead(EadOptions options)
    : MinimumNormAttack("ead", options.norm(), options.eps()), options_(std::move(options)) {
  EadOptions::table().validate(options_);
}

nlohmann::json Ead::options_json() const {
  return EadOptions::table().to_json(options_);
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
  EarlyAbort abort(x.size(0), options_.steps(), options_.abort_early(), x.options());
  // Records the adversarials among `point` (logits given) and returns the objective there.
  auto judge = [&](const Criterion& crit, const torch::Tensor& point, const torch::Tensor& logits) {
    auto m = margin(logits, crit);
    auto delta = flat(point - x0);
    auto l1 = delta.abs().sum(1), l2sq = delta.pow(2).sum(1);
    auto ok = crit.is_adversarial(logits) & (m >= kappa);
    best.update(active, point, ok, l1_rule ? l1 : l2sq + beta * l1);
    found.index_copy_(0, active, found.index_select(0, active) | ok);
    return c * (kappa - m) + l2sq + beta * l1;
  };

  for (int64_t k = 0; k < options_.steps(); ++k) {
    context.note_iterations(++iterations);
    auto crit = criterion.select(active.to(torch::kCPU));
    double lr = options_.learning_rate() * std::sqrt(1.0 - static_cast<double>(k) / options_.steps());
    auto lg = context.loss_gradient(slack, margin, *crit, active);
    // The gradient pass's logits judge y^(k), the point the gradient is taken at: as good
    // a candidate as x^(k) (the same point without FISTA), and no forward pass of its own.
    auto objective = judge(*crit, slack, lg.logits);

    // Gradient of c * (kappa - margin) + ||y - x0||_2^2; the L1 part goes to S_beta.
    auto grad = 2 * (slack - x0) - expand_like(c, x0) * lg.grad;
    auto next = detail_ead::shrink(slack - lr * grad, x0, beta, bounds);
    slack = options_.fista() ? bounds.clip(next + (static_cast<double>(k) / (k + 3)) * (next - current))
                             : next;
    current = next;

    if (!abort.after_step(k, objective, {&active, &x0, &current, &slack, &c})) break;
  }
  // The last iterate x^(K), which no gradient pass saw: one forward pass.
  auto crit = criterion.select(active.to(torch::kCPU));
  judge(*crit, current, context.logits(current, active));
  return found;
}

}  // namespace advlab
