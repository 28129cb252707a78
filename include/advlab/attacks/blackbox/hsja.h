#pragma once
// HopSkipJump (Chen, Jordan, Wainwright 2020, "HopSkipJumpAttack: A Query-Efficient
// Decision-Based Attack"). From an adversarial start, repeat: binary search to the
// decision boundary, estimate the gradient direction there from the signs of the
// decisions on random probes (Monte Carlo, sqrt(iteration) growth of the probe count,
// baseline-corrected), step along it with a geometric step-size search, and search back
// to the boundary. The smallest adversarial found is returned (minimum-norm).
// Black-box (decision-based: only the label is needed); untargeted or targeted; L2, L-inf.
#include "advlab/attacks/blackbox/black_box_attack.h"
#include "advlab/attacks/param_table.h"

#include <torch/arg.h>

#include <optional>

namespace advlab {

struct HsjaOptions {
  static const ParamTable<HsjaOptions>& table();

  TORCH_ARG(std::optional<double>, eps);  // none: minimum-norm only
  TORCH_ARG(std::string, norm) = "l2";
  TORCH_ARG(int64_t, queries) = 5000;  // per-sample budget (<= 0 unlimited)
  TORCH_ARG(std::string, output) = "label";
  TORCH_ARG(int64_t, steps) = 100;         // most iterations
  TORCH_ARG(int64_t, init_evals) = 100;    // probes in the first gradient estimate
  TORCH_ARG(int64_t, max_evals) = 10000;   // cap on probes per estimate
  TORCH_ARG(double, gamma) = 1.0;          // sets the binary-search tolerance and probe radius
  TORCH_ARG(int64_t, noise_tries) = 50;    // uniform-noise draws to find a start
  TORCH_ARG(std::string, starts) = "";     // tensor file of candidate starting images
};

class Hsja : public BlackBoxAttack {
 public:
  explicit Hsja(HsjaOptions options);
  nlohmann::json options_json() const override;
  static constexpr bool kMinimumNorm = true;
  bool minimum_norm() const override { return kMinimumNorm; }
  bool eps_steers_search() const override { return true; }  // eps ends a sample once within it

 protected:
  torch::Tensor attack(Oracle& oracle, const torch::Tensor& x, const Criterion& criterion) override;

 private:
  HsjaOptions options_;
  torch::Tensor start_images_;  // from options_.starts, or undefined
};

}  // namespace advlab
