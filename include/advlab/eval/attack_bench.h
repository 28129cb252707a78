#pragma once
// An AttackBench-style comparison of attacks (Cinà et al. 2024): every attack becomes a
// minimum-norm attack (fixed-budget ones through a per-sample bisection over eps), each
// sample's smallest adversarial over all attacks is the reference, and an attack's
// optimality says how close its robust-accuracy-vs-eps curve comes to that reference.
#include "advlab/data/dataset.h"
#include "advlab/models/classifier.h"

#include <nlohmann/json.hpp>
#include <torch/types.h>

#include <map>
#include <ostream>
#include <string>
#include <vector>

namespace advlab::eval {

struct AttackBenchOptions {
  std::vector<std::string> attacks;  // registry names
  std::string norm = "l2";
  // Fixed-budget attacks: bisection bracket [0, eps_max] and its steps (the smallest eps
  // found is within eps_max / 2^steps of the attack's own threshold). 0 = the largest
  // distance the minimum-norm attacks found (they run first).
  double eps_max = 0;
  int bisection_steps = 8;
  // Forward + backward passes a sample may cost an attack (AttackBench uses 2000);
  // samples over it are counted per attack as budget violations. 0 = no budget.
  int64_t propagations = 0;
  std::map<std::string, std::map<std::string, std::string>> attack_options;  // per attack
  int64_t batch_size = 256;
  uint64_t seed = 0;
  std::ostream* progress = nullptr;
};

struct AttackBenchEntry {
  std::string attack;
  bool minimum_norm = false;      // false: turned into one by bisection
  torch::Tensor distances;        // float [N]: 0 = misclassified, +inf = none found
  torch::Tensor propagations;     // int64 [N]: forward + backward passes spent
  int64_t budget_violations = 0;  // samples over AttackBenchOptions::propagations
  int64_t box_failures = 0;       // adversarials outside the model's bounds (must be 0)
  double seconds = 0;
  double optimality = 0;
};

struct AttackBench {
  std::string norm;
  torch::Tensor best;  // float [N]: each sample's smallest distance over all attacks
  std::vector<AttackBenchEntry> entries;

  double clean_accuracy() const;
  // Robust accuracy at eps of a distance vector: the share of samples farther than eps.
  static double robust_accuracy(const torch::Tensor& distances, double eps);
  nlohmann::json to_json() const;
};

// Optimality of `distances` against the reference `best` (both float [N]), as AttackBench
// defines it: 1 - (A - A*) / (clean * d_max - A*), where A is the area under the attack's
// robust-accuracy curve on [0, d_max] (d_max = the largest reference distance), A* the
// reference's and clean * d_max an attack that finds nothing. The curves are step
// functions, so each area is exact: the mean of min(d, d_max). 1 = as good as the best.
double attack_optimality(const torch::Tensor& distances, const torch::Tensor& best);

// Mean propagations per attacked sample: over the samples the model classified correctly
// (best > 0); the misclassified ones cost nothing and would dilute the figure.
double mean_propagations(const AttackBenchEntry& entry, const torch::Tensor& best);

// Runs every attack on the whole dataset (misclassified samples count as distance 0),
// minimum-norm attacks first. Throws advlab::Error for unknown attacks, a norm an attack
// does not support, or a fixed-budget attack with neither eps_max nor a minimum-norm one.
AttackBench run_attack_bench(Classifier& model, const data::Dataset& dataset, const AttackBenchOptions& options);

// DIR/attack_bench.json and DIR/attack_bench.html (curves and the optimality table),
// written as a whole (io::write_result_folder).
inline constexpr const char* kAttackBenchMarker = "attack_bench.json";
void write_attack_bench_report(const std::string& dir, const AttackBench& bench, const nlohmann::json& about);

}  // namespace advlab::eval
