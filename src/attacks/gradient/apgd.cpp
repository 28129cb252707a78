#include "advlab/attacks/gradient/apgd.h"

#include "advlab/attacks/best_adversarial.h"
#include "advlab/attacks/gradient/apgd_schedule.h"
#include "advlab/attacks/target_sweep.h"
#include "advlab/core/error.h"

#include <cmath>
#include <limits>

namespace advlab {

namespace {

const char* apgd_name(ApgdVariant v) {
  switch (v) {
    case ApgdVariant::kCe: return "apgd-ce";
    case ApgdVariant::kDlr: return "apgd-dlr";
    case ApgdVariant::kTargeted: return "apgd-t";
  }
  return "apgd";
}

const char* apgd_loss(ApgdVariant v) { return v == ApgdVariant::kCe ? "ce" : "dlr"; }

}  // namespace

const ParamTable<ApgdOptions>& ApgdOptions::table(ApgdVariant variant) {
  auto make = [](ApgdVariant v) {
    auto t = ParamTable<ApgdOptions>(apgd_name(v), ApgdOptions(0).variant(v));
    t.add("eps", ADVLAB_FIELD(eps), "perturbation budget").at_least(0).required()
        .add("norm", ADVLAB_FIELD(norm), "threat model").one_of({"linf", "l2", "l1"})
        .add("steps", ADVLAB_FIELD(n_iter), "iterations per run").at_least(1).alias("n_iter")
        .add("restarts", ADVLAB_FIELD(restarts), v == ApgdVariant::kTargeted ? "runs per target class" : "total runs")
        .at_least(1)
        .add("rho", ADVLAB_FIELD(rho), "step-halving threshold on the fraction of successful steps").above(0).at_most(1)
        .add("large_eps", ADVLAB_FIELD(large_eps),
             "l1: 30% of the steps in a ball of 3 eps, 30% in 2 eps, the rest in eps (AutoAttack's L1 recipe)");
    if (v == ApgdVariant::kTargeted)
      t.add("target_classes", ADVLAB_FIELD(target_classes), "wrong classes tried as targets, in target_order")
          .at_least(1)
          .add("target_order", ADVLAB_FIELD(target_order),
               "logit: most likely first (AutoAttack); malt: nearest by the linearised distance first")
          .one_of({"logit", "malt"})
          .add("candidates", ADVLAB_FIELD(candidates), "malt: how many of the most likely classes it ranks")
          .at_least(1)
          .add("stack_runs", ADVLAB_FIELD(stack_runs),
               "run targets side by side while few samples are left (same results, fewer padded model calls)");
    return t;
  };
  static const auto ce = make(ApgdVariant::kCe), dlr = make(ApgdVariant::kDlr), targeted = make(ApgdVariant::kTargeted);
  return variant == ApgdVariant::kCe ? ce : variant == ApgdVariant::kDlr ? dlr : targeted;
}

Apgd::Apgd(ApgdOptions options)
    : BoundedGradientAttack(apgd_name(options.variant()), options.eps(), options.norm(),
                            apgd_loss(options.variant())),
      options_(std::move(options)) {
  ApgdOptions::table(options_.variant()).validate(options_);
}

nlohmann::json Apgd::options_json() const {
  auto p = ApgdOptions::table(options_.variant()).to_json(options_);
  p["loss"] = apgd_loss(options_.variant());  // fixed by the variant
  return p;
}

torch::Tensor Apgd::perturb(AttackContext& context, const torch::Tensor& x, const Criterion& criterion) {
  BestAdversarial best(x);
  if (options_.variant() != ApgdVariant::kTargeted || criterion.targeted()) {
    for (int64_t run = 0; run < options_.restarts(); ++run) {
      auto rows = best.remaining();
      if (rows.numel() == 0) break;
      auto selected = criterion.select(rows.to(torch::kCPU));
      run_once(context, x, *selected, *selected, rows, best, rows);
    }
    return best.adversarials();
  }
  // Untargeted APGD-T: k wrong classes of the clean input, in turn (or side by side).
  const int64_t classes = context.model().num_classes();
  ADVLAB_CHECK(classes >= 4, name(), " needs at least 4 classes, got ", classes);
  auto order = (options_.target_order() == "malt"
                    ? other_classes_by_linear_distance(context, threat(), x, criterion.classes(), options_.candidates())
                    : other_classes_by_logit(context.logits(x), criterion.classes()))
                   .to(torch::kCPU);
  const int64_t k = std::min(options_.target_classes(), classes - 1);
  const int64_t runs = k * options_.restarts();
  for (int64_t next = 0; next < runs;) {
    auto rows = best.remaining().to(torch::kCPU);
    if (rows.numel() == 0) break;
    const int64_t w =
        options_.stack_runs() ? runs_side_by_side(rows.numel(), runs - next, context.model().pass_rows()) : 1;
    runs_together(context, x, criterion, rows, order, next, w, best);
    next += w;
  }
  return best.adversarials();
}

void Apgd::runs_together(AttackContext& context, const torch::Tensor& x, const Criterion& criterion,
                         const torch::Tensor& rows, const torch::Tensor& targets, int64_t first, int64_t count,
                         BestAdversarial& best) {
  const int64_t n = rows.numel();
  auto own_targets = targets.index_select(0, rows);
  std::vector<torch::Tensor> aims;
  for (int64_t j = first; j < first + count; ++j) aims.push_back(own_targets.select(1, j / options_.restarts()));
  auto pair_rows = rows.repeat({count});
  auto local = pair_rows.to(x.device());
  if (count == 1) {  // in turn: straight into `best`
    run_once(context, x, *criterion.select(pair_rows), TargetedMisclassification(aims[0]), local, best, local);
    return;
  }
  BestAdversarial pairs(x.index_select(0, local));
  run_once(context, x, *criterion.select(pair_rows), TargetedMisclassification(torch::cat(aims)), local, pairs,
           torch::arange(pair_rows.numel(), local.options()));
  // Each sample keeps its earliest successful run, as running them in turn would.
  auto device_rows = rows.to(x.device());
  for (int64_t j = 0; j < count; ++j)
    best.update(device_rows, pairs.adversarials().narrow(0, j * n, n), pairs.found().narrow(0, j * n, n));
}

std::vector<std::pair<double, int64_t>> Apgd::eps_stages() const {
  const int64_t n = options_.n_iter();
  if (!options_.large_eps() || threat().name() != "l1" || n < 3) return {{1.0, n}};
  // AutoAttack's split: ceil(0.3 n), ceil(0.3 n), the rest.
  const auto wide = static_cast<int64_t>(std::ceil(0.3 * static_cast<double>(n) - 1e-9));
  return {{3.0, wide}, {2.0, wide}, {1.0, n - 2 * wide}};
}

void Apgd::run_once(AttackContext& context, const torch::Tensor& x, const Criterion& success,
                    const Criterion& goal, const torch::Tensor& rows, BestAdversarial& best,
                    const torch::Tensor& slots) {
  using detail_apgd::ApgdState;
  auto bounds = context.bounds();
  const auto stages = eps_stages();
  ApgdState s;
  s.rows = rows.to(x.device());
  s.slots = slots.to(x.device());
  s.origin = x.index_select(0, s.rows);
  s.eps = per_sample_eps(eps() * stages.front().first, s.origin);
  auto start = context.per_sample(s.rows, [&](at::Generator& g, int64_t i) {
    return threat().random_init(s.origin.narrow(0, i, 1), s.eps.narrow(0, i, 1), g, bounds);
  });
  s.x = detail_apgd::apgd_constrain(threat(), bounds, s, start);

  // Narrowed with the state, not rebuilt every step.
  auto all = torch::arange(s.rows.numel(), torch::kLong);
  auto succ = success.select(all);
  auto aim = goal.select(all);
  int64_t done = 0;  // gradient steps of the earlier stages
  for (size_t stage = 0; stage < stages.size(); ++stage) {
    const double scale = stages[stage].first;
    const int64_t steps = stages[stage].second;
    const bool last_stage = stage + 1 == stages.size();
    if (stage > 0) {  // from the highest-loss point of the wider ball
      s.eps = per_sample_eps(eps() * scale, s.origin);
      s.x = threat().project_in_box(s.origin, s.x_best, s.eps, bounds.lower, bounds.upper);
    }
    // Iterates of a wider ball count only where they lie within eps.
    auto adversarial = [&](const torch::Tensor& logits) {
      auto hit = succ->is_adversarial(logits).to(s.x.device());
      return scale > 1 ? hit & ~outside_ball(threat().distance(s.origin, s.x), eps()) : hit;
    };
    auto schedule = detail_apgd::make_apgd_schedule(make_threat_model(threat().name()), bounds, steps, options_.rho());
    s.x_prev = s.x;
    s.x_best = s.x;
    s.grad_best = torch::zeros_like(s.x);
    s.loss_best = torch::full({s.x.size(0)}, -std::numeric_limits<float>::infinity(), s.eps.options());
    s.increases = torch::zeros_like(s.loss_best);
    schedule->start(s);
    for (int64_t it = 0; it <= steps; ++it) {
      if (it == steps) {  // the run's last iterate is only checked
        if (last_stage) best.update(s.slots, s.x, adversarial(context.logits(s.x, s.rows)));
        break;
      }
      auto lg = context.loss_gradient(s.x, loss(), *aim, s.rows);
      auto is_adv = adversarial(lg.logits);
      best.update(s.slots, s.x, is_adv);
      context.note_iterations(done + it + 1);
      s.grad = lg.grad;
      auto value = lg.loss.to(torch::kFloat);
      auto keep = (~is_adv).nonzero().squeeze(1);
      if (keep.numel() == 0) return;
      if (keep.numel() < is_adv.numel()) {
        s.select(keep);
        value = value.index_select(0, keep);
        auto keep_cpu = keep.to(torch::kCPU);
        succ = succ->select(keep_cpu);
        aim = aim->select(keep_cpu);
      }
      if (it > 0) s.increases += (value > s.loss_prev).to(s.increases.dtype());
      s.loss_prev = value;
      auto improved = value > s.loss_best;
      auto r = expand_like(improved, s.x).to(torch::kBool);
      s.x_best = torch::where(r, s.x, s.x_best);
      s.grad_best = torch::where(r, s.grad, s.grad_best);
      s.loss_best = torch::where(improved, value, s.loss_best);
      if (!last_stage && it + 1 == steps) break;  // the next stage starts from x_best
      schedule->after_evaluation(s, it);
      auto next = schedule->next(s, it);
      s.x_prev = s.x;
      s.x = next;
    }
    done += steps;
  }
}

}  // namespace advlab
