#pragma once
// Gradient estimates from scores alone, shared by NES and SPSA: antithetic finite
// differences along random directions,
//   g = sum_k (L(x + c u_k) - L(x - c u_k)) u_k / (2 c k),
// which is NES's estimator for Gaussian u (Ilyas et al. 2018) and SPSA's for Rademacher
// u (Spall 1992; Uesato et al. 2018). Costs 2k queries per sample, asked in one batch.
#include "advlab/attacks/blackbox/oracle.h"
#include "advlab/criteria/criterion.h"

#include <string>

namespace advlab {

// x [n, ...] for the samples `local`; directions [n, k, ...]; c > 0; loss "margin" | "ce"
// (to minimise, see score_losses.h). Probes are clipped to the bounds. Returns g [n, ...],
// an estimate of the gradient of the loss.
torch::Tensor antithetic_gradient(Oracle& oracle, const torch::Tensor& x, const torch::Tensor& local,
                                  const Criterion& criterion, const torch::Tensor& directions, double c,
                                  const std::string& loss);

}  // namespace advlab

#include "advlab/threat/threat_model.h"

#include <functional>
#include <vector>

namespace advlab {

// The loop NES and SPSA share: estimate the loss gradient at the iterate from antithetic
// probes, move against it, project onto the eps-ball and the bounds, and check the new
// iterate (one more query). A sample stops once an iterate is adversarial or its queries
// cannot pay for another iteration. They differ only in the probe directions and in
// what a move does with the estimate.
struct EstimatedDescent {
  int64_t samples = 50;   // probes per estimate (even: antithetic pairs)
  int64_t steps = 0;      // most iterations; 0 = until the queries run out
  double probe_scale = 0.001;
  std::string loss = "margin";
  // Directions [n, samples / 2, ...] for iterates of `shape` [n, ...], drawn from gen.
  std::function<torch::Tensor(std::vector<int64_t> shape, at::Generator& gen)> directions;
  // The move to subtract from the iterate for estimate g at iteration it (from 0). `state`
  // holds `state_tensors` per-sample tensors (zeros like the iterate at the start), kept
  // between iterations and shrunk with the samples still attacked.
  std::function<torch::Tensor(const torch::Tensor& g, int64_t it, std::vector<torch::Tensor>& state)> move;
  int64_t state_tensors = 0;
};

// Returns the best adversarial found per sample of x (x itself where none).
torch::Tensor estimated_descent(Oracle& oracle, const torch::Tensor& x, const Criterion& criterion,
                                const ThreatModel& threat, double eps, const EstimatedDescent& descent);

}  // namespace advlab
