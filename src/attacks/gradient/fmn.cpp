#include "advlab/attacks/gradient/fmn.h"

#include "advlab/attacks/target_sweep.h"

#include "advlab/attacks/gradient/walk_point.h"
#include "advlab/core/cosine_anneal.h"

#include "advlab/attacks/best_adversarial.h"
#include "advlab/attacks/mask/l0_prune.h"
#include "advlab/core/error.h"

#include <cmath>
#include <limits>

namespace advlab {

namespace detail_fmn {

// How the radius eps adapts; the norm-specific part of FMN, chosen once.
class RadiusRule {
 public:
  virtual ~RadiusRule() = default;
  virtual torch::Tensor initial(int64_t n, const torch::TensorOptions& options) const = 0;
  // adv: iterate adversarial; found: any adversarial so far; best: smallest adversarial
  // norm (the largest possible norm where none); norm: ||delta||; margin: loss (< 0
  // while not adversarial) and grad its gradient.
  virtual torch::Tensor update(const torch::Tensor& eps, const torch::Tensor& adv, const torch::Tensor& found,
                               const torch::Tensor& best, const torch::Tensor& norm, const torch::Tensor& margin,
                               const torch::Tensor& grad, double gamma) const = 0;
};

// L1, L2, L-inf: multiplicative updates; first radius from the linearised boundary.
class ContinuousRadius : public RadiusRule {
 public:
  explicit ContinuousRadius(const ThreatModel& threat) : threat_(threat) {}
  torch::Tensor initial(int64_t n, const torch::TensorOptions& options) const override {
    return torch::full({n}, std::numeric_limits<float>::infinity(), options);
  }
  torch::Tensor update(const torch::Tensor& eps, const torch::Tensor& adv, const torch::Tensor& found,
                       const torch::Tensor& best, const torch::Tensor& norm, const torch::Tensor& margin,
                       const torch::Tensor& grad, double gamma) const override {
    // The dual norm measures how far a unit of margin is along the gradient.
    auto dual = threat_.dual_norm(grad).clamp_min(1e-12);
    // The linear estimate lands exactly on the boundary (of a linear model; near it
    // otherwise) and would stay there; growing it by the same (1 + gamma) as later
    // non-adversarial steps lets the iterate cross.
    auto to_boundary = (norm + margin.abs() / dual) * (1 + gamma);
    return torch::where(adv, torch::min(eps * (1 - gamma), best),
                        torch::where(found, eps * (1 + gamma), to_boundary));
  }

 private:
  const ThreatModel& threat_;
};

// L0: integer radii, moving by at least one coordinate per step.
class CountRadius : public RadiusRule {
 public:
  torch::Tensor initial(int64_t n, const torch::TensorOptions& options) const override {
    return torch::ones({n}, options);
  }
  torch::Tensor update(const torch::Tensor& eps, const torch::Tensor& adv, const torch::Tensor& /*found*/,
                       const torch::Tensor& best, const torch::Tensor& /*norm*/, const torch::Tensor& /*margin*/,
                       const torch::Tensor& /*grad*/, double gamma) const override {
    auto shrink = torch::min(torch::min(eps - 1, (eps * (1 - gamma)).floor()), best);
    auto grow = torch::max(eps + 1, (eps * (1 + gamma)).floor());
    return torch::where(adv, shrink, grow).clamp_min(0);
  }
};

std::unique_ptr<RadiusRule> make_radius_rule(const ThreatModel& threat) {
  if (threat.name() == "l0") return std::make_unique<CountRadius>();
  return std::make_unique<ContinuousRadius>(threat);
}


}  // namespace detail_fmn

const ParamTable<FmnOptions>& FmnOptions::table() {
  static const auto table = ParamTable<FmnOptions>("fmn", FmnOptions())
      .add("eps", ADVLAB_FIELD(eps), "budget; none = minimum-norm only").at_least(0)
      .add("norm", ADVLAB_FIELD(norm), "threat model").one_of({"l0", "l1", "l2", "linf"})
      .add("steps", ADVLAB_FIELD(steps), "iterations").at_least(1)
      .add("alpha_init", ADVLAB_FIELD(alpha_init), "initial step, cosine-annealed; 0 = 30 at l0, 1 otherwise").at_least(0)
      .add("alpha_final", ADVLAB_FIELD(alpha_final), "final step, <= alpha_init; 0 = alpha_init / 100").at_least(0)
      .add("gamma_init", ADVLAB_FIELD(gamma_init), "initial change of the eps-ball per step").above(0).below(1)
      .add("gamma_final", ADVLAB_FIELD(gamma_final), "final change of the eps-ball, <= gamma_init").at_least(0)
      .add("prune", ADVLAB_FIELD(prune), "changed coordinates tried for reversal per found adversarial (L0), 0 = none").at_least(0)
      .add("target_classes", ADVLAB_FIELD(target_classes), kTargetSweepHelp).at_least(0);
  return table;
}

Fmn::Fmn(FmnOptions options)
    : MinimumNormAttack("fmn", options.norm(), options.eps()), options_(std::move(options)) {
  FmnOptions::table().validate(options_);
  ADVLAB_CHECK(options_.alpha_final() <= alpha_init(), "fmn: alpha_final must be in [0, alpha_init], got ",
               options_.alpha_final());
  ADVLAB_CHECK(options_.gamma_final() <= options_.gamma_init(), "fmn: gamma_final must be in [0, gamma_init], got ",
               options_.gamma_final());
}

double Fmn::alpha_init() const {
  if (options_.alpha_init() > 0) return options_.alpha_init();
  // At L0 the step is spread over every pixel the gradient touches and the projection then
  // keeps only eps of them: a step of 1 barely moves those (docs/attacks/fmn.md).
  return options_.norm() == "l0" ? 30.0 : 1.0;
}

double Fmn::alpha_final() const {
  return options_.alpha_final() > 0 ? options_.alpha_final() : alpha_init() / 100;
}

nlohmann::json Fmn::options_json() const {
  auto p = FmnOptions::table().to_json(options_);
  p["alpha_init"] = alpha_init();  // the values in effect
  p["alpha_final"] = alpha_final();
  return p;
}

torch::Tensor Fmn::minimise(AttackContext& context, const torch::Tensor& x, const Criterion& criterion) {
  auto bounds = context.bounds();
  auto rule = detail_fmn::make_radius_rule(threat());
  const MarginLoss margin_loss;  // > 0 exactly when adversarial (up to ties)
  const int64_t n = x.size(0), steps = options_.steps();
  auto all = torch::arange(n, torch::kLong);
  auto fopts = x.options().dtype(torch::kFloat);

  // The farthest point of the box bounds every useful radius.
  auto corner = torch::where(x - bounds.lower > bounds.upper - x, torch::full_like(x, bounds.lower),
                             torch::full_like(x, bounds.upper));
  auto worst = threat().distance(x, corner).to(torch::kFloat);
  BestAdversarial best(x);
  auto found = torch::zeros({n}, fopts.dtype(torch::kBool));
  auto eps = torch::min(rule->initial(n, fopts), worst);
  auto delta = torch::zeros_like(x);

  for (int64_t step = 0; step <= steps; ++step) {
    auto point = walk_point(context, threat(), x, delta, step, steps, margin_loss, criterion, all, best);
    if (!point) break;  // the last iterate is only checked
    auto& [adv, norm, lg, is_adv] = *point;
    // Components pushing a coordinate out of the box would be clipped away: they stall the
    // walk and inflate the boundary estimate's gradient norm, so they are dropped.
    auto grad = drop_outward_at_bounds(lg.grad, adv, bounds.lower, bounds.upper);
    found = found | is_adv;
    auto best_norm = torch::where(found, best.distance().to(x.device()), worst);

    double gamma = cosine_anneal(options_.gamma_init(), options_.gamma_final(), step, steps);
    eps = rule->update(eps, is_adv, found, best_norm, norm, lg.loss.to(torch::kFloat), grad, gamma);
    eps = torch::min(eps, worst);

    double alpha = cosine_anneal(alpha_init(), alpha_final(), step, steps);
    auto direction = grad / expand_like(flat(grad).norm(2, 1).clamp_min(1e-12), grad);
    delta = threat().project_in_box(x, x + delta + alpha * direction, eps, bounds.lower, bounds.upper) - x;
  }
  if (threat().name() != "l0") return best.adversarials();
  return prune_l0(context, x, best.adversarials(), best.found(), criterion, options_.prune());
}

}  // namespace advlab
