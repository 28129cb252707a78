#pragma once
// Minimum-norm search over target classes, for untargeted criteria: the closest
// adversarial among an untargeted run and targeted runs towards each sample's `k` most
// likely other classes (ranked by the clean logits). An untargeted minimum-norm attack
// heads for whichever class its gradient favours, which is often not the nearest one
// (in L1 least of all); the targeted runs look at the others. Success stays any
// misclassification. With k = 0 or a targeted criterion it is the attack's own run. Every
// run covers all of x, whatever eps: eps must not steer a minimum-norm search (eval
// sweeps eps over one unbounded run).
#include "advlab/attacks/attack_context.h"
#include "advlab/criteria/criterion.h"
#include "advlab/threat/threat_model.h"

#include <functional>

namespace advlab {

// The classes of each sample ordered by its logits [N, K], most likely first, its label
// (labels [N]) last: the target order of APGD-T, FAB-T and the sweep below.
torch::Tensor other_classes_by_logit(const torch::Tensor& logits, const torch::Tensor& labels);

// The same order with the `candidates` most likely other classes re-ranked by MALT's
// linearised distance (Melamed, Yehudai & Shamir 2024, "MALT powers up adversarial
// attacks"): (z_y - z_t) / ||grad (z_y - z_t)||_q at x, q the threat's dual exponent,
// nearest first; the less likely classes follow by logit, the label last. The logit
// order misses a class that is unlikely but close; this finds it from two forward passes
// (the logit order, then the class gradients) and `candidates` backward passes per
// sample, counted as such. Rows of x in batches of
// `chunk` (the class gradients take candidates x the batch's memory).
torch::Tensor other_classes_by_linear_distance(AttackContext& context, const ThreatModel& threat,
                                               const torch::Tensor& x, const torch::Tensor& labels,
                                               int64_t candidates, int64_t chunk = 64);

// How many of `runs` independent runs (target classes, restarts) to do side by side when
// `active` samples are left, on a model that pads every call to `pass_rows` rows (0 = whole
// batches: 1). A handful of samples per run leaves most of each padded call empty (after
// APGD-CE a standard model has a few robust samples left, and APGD-T and FAB-T each run
// 9 targets on them); stacking w runs fills the calls. w minimises the calls of all runs in
// waves of w, the smaller w on ties, with at most `max_rows` rows in one wave.
int64_t runs_side_by_side(int64_t active, int64_t runs, int64_t pass_rows, int64_t max_rows = 256);

// The `target_classes` option of the attacks that sweep (help text of their tables).
inline constexpr const char* kTargetSweepHelp =
    "untargeted: also run towards each of the k most likely other classes, keep the closest (k + 1 runs)";

using AttackFor = std::function<torch::Tensor(const Criterion&)>;

torch::Tensor closest_over_targets(AttackContext& context, const ThreatModel& threat, const torch::Tensor& x,
                                   const Criterion& criterion, int64_t k, const AttackFor& attack);

}  // namespace advlab
