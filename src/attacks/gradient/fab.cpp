#include "advlab/attacks/gradient/fab.h"

#include "advlab/attacks/target_sweep.h"

#include "advlab/attacks/best_adversarial.h"
#include "advlab/core/error.h"

#include <torch/torch.h>

#include <cmath>
#include <limits>
#include <vector>

namespace advlab {
namespace detail_fab {

// z_toward - z_away per row (away = -1: the strongest class other than toward). Its
// gradient is the normal of the linearised boundary between the two classes.
class PlaneMargin : public AttackLoss {
 public:
  PlaneMargin(torch::Tensor toward, torch::Tensor away)
      : toward_(std::move(toward)), away_(std::move(away)) {}
  std::string name() const override { return "fab-plane"; }
  torch::Tensor operator()(const torch::Tensor& logits, const Criterion&) const override {
    auto toward = toward_.to(logits.device()).view({-1, 1});
    auto away = away_.to(logits.device()).view({-1, 1});
    auto z_toward = logits.gather(1, toward).squeeze(1);
    auto z_fixed = logits.gather(1, away.clamp_min(0)).squeeze(1);
    auto z_away = torch::where(away.squeeze(1) >= 0, z_fixed, max_other_logit(logits, toward.squeeze(1)));
    return z_toward - z_away;
  }

 private:
  torch::Tensor toward_, away_;
};


}  // namespace detail_fab

const ParamTable<FabOptions>& FabOptions::table(bool fab_t) {
  auto make = [](bool t) {
    auto table = ParamTable<FabOptions>(t ? "fab-t" : "fab", FabOptions());
    table.add("eps", ADVLAB_FIELD(eps), "budget; none = minimum-norm only").at_least(0)
        .add("norm", ADVLAB_FIELD(norm), "threat model").one_of({"linf", "l2", "l1"})
        .add("steps", ADVLAB_FIELD(n_iter), "iterations per run").at_least(1).alias("n_iter")
        .add("restarts", ADVLAB_FIELD(restarts), t ? "runs per target class" : "total runs").at_least(1)
        .add("alpha_max", ADVLAB_FIELD(alpha_max), "largest weight of the step from the clean input").at_least(0).at_most(1)
        // eta < 1 would stop short of every linearised boundary.
        .add("eta", ADVLAB_FIELD(eta), "overshoot of each projection").at_least(1)
        .add("beta", ADVLAB_FIELD(beta), "backward step towards the clean input").above(0).at_most(1);
    if (t)
      table.add("target_classes", ADVLAB_FIELD(target_classes), "top other classes tried as targets").at_least(1)
          .add("stack_runs", ADVLAB_FIELD(stack_runs),
               "with 1 restart: targets side by side while few samples are left (same results, fewer padded model calls)");
    return table;
  };
  static const auto fab = make(false), fab_t_table = make(true);
  return fab_t ? fab_t_table : fab;
}

Fab::Fab(FabOptions options, std::string name)
    : Attack(std::move(name), Budget::of(options.norm(), options.eps())), options_(std::move(options)) {
  FabOptions::table(this->name() == "fab-t").validate(options_);
}

nlohmann::json Fab::options_json() const {
  return FabOptions::table(name() == "fab-t").to_json(options_);
}

FabPlanes Fab::default_planes(const Criterion& criterion, int64_t num_classes) {
  auto classes = criterion.classes().to(torch::kCPU, torch::kLong).view({-1, 1});
  const int64_t n = classes.size(0);
  ADVLAB_CHECK(n == 0 || (classes.min().item<int64_t>() >= 0 && classes.max().item<int64_t>() < num_classes),
               "fab: criterion classes must lie in [0, ", num_classes, ")");
  if (criterion.targeted())  // the target against whichever class currently beats it
    return {classes, torch::full({n, 1}, -1, torch::kLong)};
  // Untargeted: every other class against the label; each step takes the closest.
  auto all = torch::arange(num_classes, torch::kLong).repeat({n, 1});
  auto others = all.masked_select(all != classes).view({n, num_classes - 1});
  return {others, classes.expand({n, num_classes - 1}).contiguous()};
}

torch::Tensor Fab::unfinished(const BestAdversarial& best, bool refine) const {
  torch::Tensor done;
  if (epsilon())
    done = best.found() & (best.distance() <= *epsilon());
  else
    done = refine ? torch::zeros_like(best.found()) : best.found();
  return (~done).nonzero().squeeze(1);
}

torch::Tensor Fab::perturb(AttackContext& context, const torch::Tensor& x, const Criterion& criterion) {
  BestAdversarial best(x);
  auto reach = torch::full({x.size(0)}, std::numeric_limits<float>::infinity(), x.options());
  auto planes = default_planes(criterion, context.model().num_classes());
  for (int64_t run = 0; run < options_.restarts(); ++run) {
    // Minimum-norm: later runs also refine samples already broken (unless within eps).
    auto rows = unfinished(best, /*refine=*/true);
    if (rows.numel() == 0) break;
    run_once(context, x, criterion, rows, planes, best, reach, run > 0);
  }
  return best.adversarials();
}

torch::Tensor Fab::start_point(AttackContext& context, const torch::Tensor& x0,
                               const torch::Tensor& best_distance, const torch::Tensor& reach,
                               const torch::Tensor& local) const {
  // Half the best distance so far (capped by eps); before any success, half the distance
  // the previous run's last iterate reached.
  auto radius = best_distance.to(x0.dtype());
  if (epsilon()) radius = radius.clamp_max(*epsilon());
  radius = torch::where(torch::isfinite(radius), radius, reach);
  radius = torch::where(torch::isfinite(radius), radius, torch::zeros_like(radius));
  return context.bounds().clip(context.per_sample(local, [&](at::Generator& g, int64_t i) {
    return threat().random_init(x0.narrow(0, i, 1), 0.5 * radius.narrow(0, i, 1), g, context.bounds());
  }));
}

namespace {

// The samples a FAB run still works on, with their state; shrinks as samples finish.
struct FabActive {
  torch::Tensor local;          // int64 [n], indices into the attack's batch (x's device)
  torch::Tensor slots;          // int64 [n], entries of the run's best and reach (x's device)
  torch::Tensor rows_cpu;       // the same on the CPU
  torch::Tensor x0, x1;         // originals and iterates
  torch::Tensor toward, away;   // int64 [n, planes], CPU
  std::shared_ptr<Criterion> crit;

  void select(const torch::Tensor& keep) {
    auto k = keep.to(local.device(), torch::kLong);
    auto k_cpu = k.to(torch::kCPU);
    local = local.index_select(0, k);
    slots = slots.index_select(0, k);
    rows_cpu = rows_cpu.index_select(0, k_cpu);
    x0 = x0.index_select(0, k.to(x0.device()));
    x1 = x1.index_select(0, k.to(x1.device()));
    toward = toward.index_select(0, k_cpu);
    away = away.index_select(0, k_cpu);
    crit = crit->select(k_cpu);
  }
};

void select_rows(LossGradient& lg, const torch::Tensor& keep) {
  for (auto* t : {&lg.loss, &lg.logits, &lg.grad}) *t = t->index_select(0, keep.to(t->device()));
}

// Writes `fresh` (computed for `rows` of the run) into those rows of lg.
void put_rows(LossGradient& lg, const torch::Tensor& rows, const LossGradient& fresh) {
  lg.loss.index_copy_(0, rows.to(lg.loss.device()), fresh.loss);
  lg.grad.index_copy_(0, rows.to(lg.grad.device()), fresh.grad);
  lg.logits.index_copy_(0, rows.to(lg.logits.device()), fresh.logits);
}

// Every plane's margin and gradient at the iterates: one forward, one backward per plane.
LossGradient plane_gradients(AttackContext& context, const FabActive& s) {
  std::vector<detail_fab::PlaneMargin> margins;
  for (int64_t p = 0; p < s.toward.size(1); ++p)
    margins.emplace_back(s.toward.select(1, p).contiguous(), s.away.select(1, p).contiguous());
  std::vector<const AttackLoss*> losses;
  for (const auto& m : margins) losses.push_back(&m);
  return context.loss_gradients(s.x1, losses, *s.crit, s.local);
}

// The same for some rows of the run only.
LossGradient plane_gradients(AttackContext& context, const FabActive& s, const torch::Tensor& rows) {
  FabActive some = s;
  some.select(rows);
  return plane_gradients(context, some);
}

}  // namespace

void Fab::run_once(AttackContext& context, const torch::Tensor& x, const Criterion& criterion,
                   const torch::Tensor& rows, const FabPlanes& planes, BestAdversarial& best,
                   torch::Tensor& reach, bool random_start, torch::Tensor slots) {
  auto bounds = context.bounds();
  FabActive s;
  s.local = rows.to(x.device(), torch::kLong);
  s.slots = slots.defined() ? slots.to(x.device(), torch::kLong) : s.local;
  s.rows_cpu = rows.to(torch::kCPU, torch::kLong);
  auto slots_cpu = s.slots.to(torch::kCPU);
  s.x0 = x.index_select(0, s.local);
  s.toward = planes.toward.index_select(0, slots_cpu);
  s.away = planes.away.index_select(0, slots_cpu);
  s.crit = criterion.select(s.rows_cpu);
  s.x1 = random_start ? start_point(context, s.x0, best.distance().index_select(0, s.slots),
                                    reach.index_select(0, s.slots), s.local)
                      : s.x0.clone();
  const double eta = options_.eta(), beta = options_.beta();

  // Each step needs the candidate checked, then the gradient at the candidate or, where it
  // is adversarial, at the point stepped back from it. While few of a sample's candidates
  // are adversarial, the gradient pass at the candidate does the check too (a second pass
  // only where it was adversarial); while many are, a forward-only check and one gradient
  // pass after the step back cost less. Both give the same iterates. The choice is per
  // sample, from its own history, so what a sample costs (and the counts in a report) does
  // not depend on the batch it runs in.
  constexpr double kReuseBelow = 0.3;  // about the cost of a forward over a forward + backward
  // A running mean per sample: iterates that alternate around the boundary count as many adversarial.
  auto adversarial_share = torch::zeros({s.x0.size(0)}, torch::kFloat);
  auto lg = plane_gradients(context, s);
  for (int64_t it = 0; it < options_.n_iter(); ++it) {
    const int64_t n = s.x0.size(0), replicas = s.toward.size(1);
    auto h = lg.loss;
    auto g = lg.grad.reshape({n, replicas, -1});
    // The closest linearised boundary: |h| / ||grad h||_q.
    auto distance = h.abs() / (threat().dual_norm(g.reshape({n * replicas, -1})).view({n, replicas}) + 1e-12);
    auto k = distance.argmin(1);
    auto w = g.index({torch::arange(n, k.options()), k});
    auto x1f = flat(s.x1), x0f = flat(s.x0);
    auto b = (w * x1f).sum(1) - h.gather(1, k.view({-1, 1})).squeeze(1);
    // Project the iterate and the original onto {w.z = b} within the box, in one batch.
    auto steps = geometry().project(torch::cat({x1f, x0f}), torch::cat({w, w}), torch::cat({b, b}), bounds);
    auto lengths = threat().distance(torch::zeros_like(steps), steps).clamp_min(1e-8);
    auto d1 = steps.narrow(0, 0, n), d2 = steps.narrow(0, n, n);
    auto a1 = lengths.narrow(0, 0, n), a2 = lengths.narrow(0, n, n);
    // Bias towards the original's projection when the iterate has drifted far from it.
    auto alpha = (a1 / (a1 + a2)).clamp(0, options_.alpha_max()).view({-1, 1});
    s.x1 = bounds.clip((1 - alpha) * (x1f + eta * d1) + alpha * (x0f + eta * d2)).view_as(s.x0);

    const bool last = it + 1 == options_.n_iter();
    auto reuse = last ? torch::zeros({n}, torch::kBool) : adversarial_share < kReuseBelow;  // CPU
    auto reuse_rows = reuse.nonzero().squeeze(1), check_rows = (~reuse).nonzero().squeeze(1);
    auto logits = torch::empty_like(lg.logits);
    if (reuse_rows.numel() > 0) {
      auto fresh = plane_gradients(context, s, reuse_rows);
      put_rows(lg, reuse_rows, fresh);
      logits.index_copy_(0, reuse_rows.to(logits.device()), fresh.logits);
    }
    if (check_rows.numel() > 0) {
      auto local = check_rows.to(s.local.device());
      logits.index_copy_(0, local.to(logits.device()),
                         context.logits(s.x1.index_select(0, local.to(s.x1.device())), s.local.index_select(0, local)));
    }
    auto is_adv = s.crit->is_adversarial(logits);
    best.update(s.slots, s.x1, is_adv, threat().distance(s.x0, s.x1));
    context.note_iterations(it + 1);
    if (last) break;
    if (epsilon()) {  // broken within the budget: nothing left to find for these samples
      auto done = best.found().index_select(0, s.slots) & (best.distance().index_select(0, s.slots) <= *epsilon());
      auto keep = (~done.to(is_adv.device())).nonzero().squeeze(1);
      if (keep.numel() == 0) return;
      if (keep.numel() < n) {
        s.select(keep);
        select_rows(lg, keep);
        is_adv = is_adv.index_select(0, keep);
        auto keep_cpu = keep.to(torch::kCPU);
        reuse = reuse.index_select(0, keep_cpu);
        adversarial_share = adversarial_share.index_select(0, keep_cpu);
      }
    }
    auto adversarial_cpu = is_adv.to(torch::kCPU);
    adversarial_share = 0.5 * adversarial_share + 0.5 * adversarial_cpu.to(torch::kFloat);
    // Once adversarial, step back towards the original to look for a closer one.
    if (adversarial_cpu.any().item<bool>())
      s.x1 = torch::where(expand_like(is_adv, s.x1).to(torch::kBool), s.x0 + beta * (s.x1 - s.x0), s.x1);
    // Gradients for the next step where this one's are stale: rows checked forward-only,
    // and rows whose candidate was adversarial (the step back moved them).
    auto stale_rows = ((~reuse) | adversarial_cpu).nonzero().squeeze(1);
    if (stale_rows.numel() > 0) put_rows(lg, stale_rows, plane_gradients(context, s, stale_rows));
  }
  reach.index_copy_(0, s.slots, threat().distance(s.x0, s.x1).to(reach.dtype()));
}

torch::Tensor FabT::perturb(AttackContext& context, const torch::Tensor& x, const Criterion& criterion) {
  if (criterion.targeted()) return Fab::perturb(context, x, criterion);
  const int64_t num_classes = context.model().num_classes();
  const int64_t targets = std::min(options().target_classes(), num_classes - 1);
  // Rank the other classes by their clean logit (one query per sample).
  auto ranked = other_classes_by_logit(context.logits(x), criterion.classes()).to(torch::kCPU);
  auto labels_cpu = criterion.classes().to(torch::kCPU, torch::kLong).view({-1, 1});

  BestAdversarial best(x);
  auto reach = torch::full({x.size(0)}, std::numeric_limits<float>::infinity(), x.options());
  for (int64_t t = 0; t < targets;) {
    auto rows = unfinished(best, /*refine=*/true);
    if (rows.numel() == 0) break;
    // One run per target: several targets side by side while few samples are left.
    const int64_t w = options().stack_runs() && options().restarts() == 1
                          ? runs_side_by_side(rows.numel(), targets - t, context.model().pass_rows())
                          : 1;
    if (w > 1) {
      targets_together(context, x, criterion, rows.to(torch::kCPU), ranked, t, w, best);
      t += w;
      continue;
    }
    // Targeted linearisation, untargeted success: any misclassification counts.
    FabPlanes planes{ranked.narrow(1, t, 1).contiguous(), labels_cpu};
    for (int64_t run = 0; run < options().restarts(); ++run) {
      // Minimum-norm: a sample broken towards one target may lie closer to another's
      // boundary (the nearest class in L1 is often not the most likely one), so every
      // target runs on every sample; within eps, broken samples are done.
      if (run > 0) rows = unfinished(best, /*refine=*/true);
      if (rows.numel() == 0) return best.adversarials();
      run_once(context, x, criterion, rows, planes, best, reach, run > 0);
    }
    ++t;
  }
  return best.adversarials();
}

void FabT::targets_together(AttackContext& context, const torch::Tensor& x, const Criterion& criterion,
                            const torch::Tensor& rows, const torch::Tensor& ranked, int64_t first, int64_t count,
                            BestAdversarial& best) {
  const int64_t n = rows.numel();
  auto labels = criterion.classes().to(torch::kCPU, torch::kLong).index_select(0, rows).view({-1, 1});
  // Run j's copies are rows j*n .. (j+1)*n - 1, towards target first + j.
  auto towards = ranked.index_select(0, rows).narrow(1, first, count).t().reshape({-1, 1});
  auto pair_rows = rows.repeat({count});
  FabPlanes planes{towards.contiguous(), labels.repeat({count, 1})};
  BestAdversarial pairs(x.index_select(0, pair_rows.to(x.device())));
  auto pair_reach = torch::full({pair_rows.numel()}, std::numeric_limits<float>::infinity(), x.options());
  run_once(context, x, criterion, pair_rows, planes, pairs, pair_reach, /*random_start=*/false,
           torch::arange(pair_rows.numel(), torch::kLong));
  // Target by target, as in turn: each sample takes a target's closest adversarial if it
  // is closer than what it has, and stops taking them once broken within eps.
  auto device_rows = rows.to(x.device());
  for (int64_t j = 0; j < count; ++j) {
    auto slice = torch::arange(j * n, (j + 1) * n, torch::kLong).to(x.device());
    auto open = torch::ones({n}, torch::kBool).to(x.device());
    if (epsilon())
      open = ~(best.found().index_select(0, device_rows) & (best.distance().index_select(0, device_rows) <= *epsilon()))
                  .to(x.device());
    best.update(device_rows, pairs.adversarials().index_select(0, slice),
                pairs.found().index_select(0, slice.to(pairs.found().device())).to(x.device()) & open,
                pairs.distance().index_select(0, slice.to(pairs.distance().device())));
  }
}

}  // namespace advlab
