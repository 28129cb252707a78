#include "advlab/attacks/gradient/pgd.h"

#include "advlab/attacks/best_adversarial.h"
#include "advlab/core/error.h"

namespace advlab {

double PgdOptions::absolute_step() const {
  if (step_size() > 0) return step_size();
  double rel = rel_step_size() > 0 ? rel_step_size() : 2.5 / static_cast<double>(steps());
  return rel * eps();
}

PgdOptions PgdOptions::from_params(ParamReader& params) {
  return PgdOptions(params.require_double("eps"))
      .norm(params.get_string("norm", "linf"))
      .steps(params.get_int("steps", 40))
      .step_size(params.get_double("step_size", 0))
      .rel_step_size(params.get_double("rel_step_size", 0))
      .random_start(params.get_bool("random_start", true))
      .restarts(params.get_int("restarts", 1))
      .loss(params.get_string("loss", "ce"));
}

Pgd::Pgd(PgdOptions options)
    : BoundedGradientAttack("pgd", options.eps(), options.norm(), options.loss()),
      options_(std::move(options)) {
  ADVLAB_CHECK(options_.steps() >= 1, "pgd: steps must be >= 1, got ", options_.steps());
  ADVLAB_CHECK(options_.restarts() >= 1, "pgd: restarts must be >= 1, got ", options_.restarts());
  ADVLAB_CHECK(options_.step_size() >= 0, "pgd: step_size must be >= 0, got ", options_.step_size());
  ADVLAB_CHECK(options_.rel_step_size() >= 0, "pgd: rel_step_size must be >= 0, got ",
               options_.rel_step_size());
}

nlohmann::json Pgd::params() const {
  return {{"eps", options_.eps()},
          {"norm", options_.norm()},
          {"steps", options_.steps()},
          {"step_size", options_.absolute_step()},
          {"random_start", options_.random_start()},
          {"restarts", options_.restarts()},
          {"loss", options_.loss()}};
}

torch::Tensor Pgd::perturb(AttackContext& context, const torch::Tensor& x, const Criterion& criterion) {
  BestAdversarial best(x);
  for (int64_t run = 0; run < options_.restarts(); ++run) {
    auto rows = best.remaining();
    if (rows.numel() == 0) break;
    // Without random start every run would repeat the first, so later runs start randomly.
    run_once(context, x, criterion, rows, best, options_.random_start() || run > 0);
  }
  // Samples never broken come back as the clean input: for a bounded attack a failed
  // iterate is worth no more, and distances stay honest.
  return best.adversarials();
}

void Pgd::run_once(AttackContext& context, const torch::Tensor& x, const Criterion& criterion,
                   const torch::Tensor& rows, BestAdversarial& best, bool random_start) {
  auto bounds = context.bounds();
  auto device = x.device();
  auto active = rows.to(device);  // indices into x of samples still being attacked
  auto x0 = x.index_select(0, active);
  auto eps = per_sample_eps(options_.eps(), x0);
  auto adv = random_start ? bounds.clip(threat().project(x0, threat().random_init(x0, eps, context.generator()), eps))
                          : x0.clone();
  auto origin = x0;
  const double alpha = options_.absolute_step();

  for (int64_t step = 0; step <= options_.steps(); ++step) {
    auto crit = criterion.select(active.to(torch::kCPU));
    if (step == options_.steps()) {  // the last iterate is only checked
      best.update(active, adv, crit->is_adversarial(context.logits(adv, active)));
      break;
    }
    auto lg = context.loss_gradient(adv, loss(), *crit, active);
    auto is_adv = crit->is_adversarial(lg.logits);
    best.update(active, adv, is_adv);
    auto keep = (~is_adv).nonzero().squeeze(1);
    if (keep.numel() == 0) break;
    context.note_iterations(step + 1);
    active = active.index_select(0, keep);
    origin = origin.index_select(0, keep);
    eps = eps.index_select(0, keep);
    adv = adv.index_select(0, keep) +
          alpha * threat().normalize_grad(lg.grad.index_select(0, keep));
    adv = bounds.clip(threat().project(origin, adv, eps));
  }
}

}  // namespace advlab
