#pragma once
// Runs one attack over a whole dataset in batches and gathers everything a report needs:
// clean and adversarial predictions, verified success, distances, queries, timing.
#include "advlab/attacks/attack.h"
#include "advlab/criteria/target_selection.h"
#include "advlab/data/dataset.h"

#include <nlohmann/json.hpp>

#include <functional>
#include <iosfwd>
#include <optional>
#include <vector>

namespace advlab::eval {

struct AttackRunOptions {
  int64_t batch_size = 256;
  uint64_t seed = 0;
  std::optional<TargetSelection> targets;  // set = targeted attack
  std::optional<Budget> budget;            // none = the attack's default budget
  torch::Tensor given_targets;             // int64 [N]: targeted, these classes (wins over targets)
  // Each sample's index in the whole data set, int64 [N] (undefined = 0..N-1): its random
  // draws are seeded from (seed, index), so a sample's result does not depend on the
  // batch or the process it runs in (sample_random.h).
  torch::Tensor sample_ids;
  std::ostream* progress = nullptr;
  // Resuming an interrupted run: the results of its first `resumed_batches` batches
  // (concatenated) and the seconds they took. Those batches are not run again; seeds are
  // per sample, so the rest comes out as in an uninterrupted run.
  std::optional<AttackResult> resumed;
  int64_t resumed_batches = 0;
  double resumed_seconds = 0;
  // Called after every batch with the results so far (resumed part first) and the
  // seconds spent, e.g. to write a checkpoint.
  std::function<void(int64_t batches_done, const std::vector<AttackResult>& parts, double seconds)> after_batch;
};

// Results of consecutive batches as one (the per-sample tensors concatenated).
AttackResult concatenate(const std::vector<AttackResult>& parts);
// The given rows (int64 [m], CPU) of a result, in that order.
AttackResult select_rows(const AttackResult& result, const torch::Tensor& rows);

struct AttackRun {
  std::string attack;
  nlohmann::json params;
  torch::Tensor labels;             // int64 [N]
  torch::Tensor clean_predictions;  // int64 [N]
  torch::Tensor targets;            // int64 [N] (targeted runs only)
  AttackResult result;              // concatenated over batches, on the CPU
  double seconds = 0;               // the attack's wall time (clean pass excluded)
  uint64_t seed = 0;
  nlohmann::json over_views;        // physical attacks: success over fresh views (null if not measured)

  int64_t size() const { return labels.size(0); }
  bool targeted() const { return targets.defined(); }
};

AttackRun run_attack(Attack& attack, Classifier& model, const data::Dataset& dataset,
                     const AttackRunOptions& options);

// metrics.json content: attack, params, n, clean_accuracy, robust_accuracy (over all n),
// success_rate (over samples classified correctly before the attack), distance
// {linf,l2,l1,l0: {mean, median}} and queries/gradients {mean, median} over those
// successes, query_curve (see query_curve.h: success rate within q queries, over the
// same samples as success_rate), seconds, images_per_second, seed, targeted,
// over_views when measured (see transform_robustness.h), and extras {name: {mean,
// median}} over the same successes for attacks that record per-sample extras.
nlohmann::json summarize(const AttackRun& run);

}  // namespace advlab::eval
