#pragma once
// Mode coverage of a generator, measured with a judge classifier: the histogram of the
// judge's predicted classes over N generated samples, how many classes are covered (a
// class counts when it gets at least `share` of its uniform share N/K), and the KL
// divergence of the histogram to the uniform distribution (0 = perfectly balanced,
// log K = every sample in one class).
#include <nlohmann/json.hpp>
#include <torch/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace advlab::gan {

struct ModeCoverage {
  std::vector<int64_t> histogram;  // samples per class
  int64_t samples = 0;
  int64_t classes = 0;
  int64_t covered = 0;
  double share = 0.25;
  double kl_to_uniform = 0;  // nats

  nlohmann::json to_json() const;
};

// predicted: int64 [N] class indices in [0, classes); share in (0, 1].
ModeCoverage mode_coverage(const torch::Tensor& predicted, int64_t classes, double share = 0.25);

// Mode collapse: fewer classes covered than exist, or fewer than the best epoch so far
// (best_covered; 0 = no earlier epoch). Returns the reason, empty when not collapsed.
std::string mode_collapse_reason(const ModeCoverage& coverage, int64_t best_covered);

}  // namespace advlab::gan
