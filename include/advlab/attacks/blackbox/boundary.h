#pragma once
// Boundary Attack (Brendel, Rauber, Bethge 2018, "Decision-Based Adversarial Attacks:
// Reliable Attacks Against Black-Box Machine Learning Models"). From an adversarial start
// (uniform noise, blended towards the sample; targeted: an image of the target class),
// a random walk along the decision boundary: each step is an orthogonal move on the
// sphere around the sample plus a move towards it, kept if still adversarial; both step
// sizes adapt to the recent success rates. Returns the smallest adversarial found
// (minimum-norm). Black-box (decision-based: only the label is needed); untargeted or
// targeted; L2.
#include "advlab/attacks/blackbox/black_box_attack.h"
#include "advlab/attacks/param_table.h"

#include <torch/arg.h>

#include <optional>

namespace advlab {

struct BoundaryOptions {
  static const ParamTable<BoundaryOptions>& table();

  TORCH_ARG(std::optional<double>, eps);  // none: minimum-norm only
  TORCH_ARG(std::string, norm) = "l2";
  TORCH_ARG(int64_t, queries) = 5000;  // per-sample budget (<= 0 unlimited)
  TORCH_ARG(std::string, output) = "label";
  TORCH_ARG(int64_t, steps) = 100000;           // most walk steps
  TORCH_ARG(double, spherical_step) = 0.01;     // orthogonal step, relative to the distance
  TORCH_ARG(double, source_step) = 0.01;        // step towards the sample, relative
  TORCH_ARG(double, step_adaptation) = 1.5;     // factor the steps grow or shrink by
  TORCH_ARG(int64_t, stats_every) = 5;          // steps between checks of the orthogonal step alone
  TORCH_ARG(int64_t, init_search) = 10;         // halvings of the blend towards the sample at the start
  TORCH_ARG(int64_t, noise_tries) = 50;         // uniform-noise draws to find a start
  TORCH_ARG(std::string, starts) = "";          // tensor file of candidate starting images
};

class BoundaryAttack : public BlackBoxAttack {
 public:
  explicit BoundaryAttack(BoundaryOptions options);
  nlohmann::json options_json() const override;
  static constexpr bool kMinimumNorm = true;
  bool minimum_norm() const override { return kMinimumNorm; }
  bool eps_steers_search() const override { return true; }  // eps ends a sample once within it

 protected:
  torch::Tensor attack(Oracle& oracle, const torch::Tensor& x, const Criterion& criterion) override;

 private:
  BoundaryOptions options_;
  torch::Tensor start_images_;  // from options_.starts, or undefined
};

}  // namespace advlab
