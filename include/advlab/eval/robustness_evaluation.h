#pragma once
// `advlab eval`: how robust is a model, per sample worst case over a suite of attacks.
// For each eps, attacks run in order and each one only on the samples that the model
// classifies correctly and no earlier attack has broken (AutoAttack's protocol), unless
// `individual` asks every attack to run on every correct sample (then each attack's own
// robust accuracy is known too). A sample counts as robust at eps when no attack found
// an adversarial within eps.
#include "advlab/data/dataset.h"
#include "advlab/models/classifier.h"

#include <nlohmann/json.hpp>

#include <iosfwd>
#include <map>
#include <string>
#include <vector>

namespace advlab::dist {
class Group;
}

namespace advlab::eval {

struct EvaluationOptions {
  std::vector<std::string> attacks;  // in the order they run (see resolve_suite)
  std::string norm = "linf";
  std::vector<double> eps;
  int64_t queries = 1000;  // per-sample budget of black-box attacks
  // Extra key=value options per attack name (e.g. {"pgd", {{"steps", "100"}}}).
  std::map<std::string, std::map<std::string, std::string>> attack_options;
  bool individual = false;
  bool checks = true;  // run the soundness checks (soundness_checks.h)
  int64_t batch_size = 256;
  uint64_t seed = 0;
  std::ostream* progress = nullptr;
  // Checkpoints (evaluation_state.h): written to state_path after every attack, and
  // within one after a batch once state_every_seconds have passed; empty = none.
  std::string state_path;
  bool resume = false;          // continue from state_path when it exists
  nlohmann::json identity;      // what a state must match besides these options (model, data)
  double state_every_seconds = 60;
  // Set: a distributed evaluation, each attack's samples shared among the job's ranks
  // (shared_attack_run.h); every rank ends with the whole result, rank 0 alone runs the
  // soundness checks, writes checkpoints and should print progress.
  dist::Group* group = nullptr;
};

struct AttackStage {
  std::string attack, family;
  nlohmann::json params;
  torch::Tensor attacked;  // bool [N]: samples this attack ran on
  torch::Tensor broken;    // bool [N]: samples it found an adversarial for, within eps
  torch::Tensor silent_failures;  // bool [N]: adversarial seen but not returned
  double seconds = 0;
  int64_t queries = 0, gradients = 0;  // totals
};

struct EpsEvaluation {
  double eps = 0;
  std::vector<AttackStage> stages;
  torch::Tensor correct;       // bool [N]: classified correctly before any attack
  torch::Tensor robust;        // bool [N]: correct and unbroken by every attack
  torch::Tensor broken_by;     // int64 [N]: first stage that broke the sample, -1 none
  torch::Tensor adversarials;  // [N, ...] the breaking adversarial, else the clean input

  double robust_accuracy() const { return robust.to(torch::kDouble).mean().item<double>(); }
  // Robust accuracy after stages 0..k (cumulative worst case).
  double robust_accuracy_after(size_t k) const;
  // Robust accuracy against stage k alone (meaningful when it ran on every correct sample).
  double robust_accuracy_of(size_t k) const;
};

struct SoundnessWarning {
  std::string check;    // short id, e.g. "probability-outputs"
  std::string message;  // one line for people
};

struct RobustnessEvaluation {
  EvaluationOptions options;
  torch::Tensor labels, clean_predictions;  // int64 [N]
  std::vector<EpsEvaluation> per_eps;       // in increasing eps
  // float [N]: the smallest adversarial distance (in options.norm) found for each sample
  // by any attack at any eps; 0 when misclassified, +inf when never broken.
  torch::Tensor smallest_distance;
  std::vector<SoundnessWarning> warnings;
  double seconds = 0;
  int world_size = 1;            // processes that shared the work
  std::string backend = "none";  // how they talked (dist::Group::backend)

  torch::Tensor correct() const { return clean_predictions == labels; }
  double clean_accuracy() const { return correct().to(torch::kDouble).mean().item<double>(); }
};

// The identity a checkpoint of this evaluation carries: options.identity plus every
// option that changes the result.
nlohmann::json evaluation_identity(const EvaluationOptions& options, int64_t samples);

RobustnessEvaluation evaluate_robustness(Classifier& model, const data::Dataset& dataset,
                                         const EvaluationOptions& options);

}  // namespace advlab::eval
