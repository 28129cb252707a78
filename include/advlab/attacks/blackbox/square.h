#pragma once
// Square Attack (Andriushchenko, Croce, Flammarion, Hein 2020, "Square Attack: a
// query-efficient black-box adversarial attack via random search"): random search over
// square-shaped updates whose size shrinks on a fixed schedule over the query budget;
// an update is kept when it lowers the margin of the scores. L-inf starts from vertical
// stripes of +-eps and sets each square to +-eps per channel; L2 starts from a grid of
// centred pseudo-Gaussian blocks and moves perturbation mass between two squares,
// keeping the L2 norm at eps; L1 (AutoAttack's L1 Square, Croce & Hein 2021) does the
// same with sharper blocks and L1 mass, projecting onto the L1 ball within the box.
// Black-box (scores); untargeted or targeted; L-inf, L2, L1. Inputs must be images
// [N, C, H, W]. A sample stops costing queries as soon as it is adversarial.
#include "advlab/attacks/blackbox/black_box_attack.h"
#include "advlab/attacks/param_table.h"

#include <torch/arg.h>

namespace advlab {

struct SquareOptions {
  explicit SquareOptions(double eps) : eps_(eps) {}
  // p_init in effect: the option, or the default for the norm (0.8 L-inf and L1, 0.1 L2).
  double initial_fraction() const;
  static const ParamTable<SquareOptions>& table();

  TORCH_ARG(double, eps);
  TORCH_ARG(std::string, norm) = "linf";
  TORCH_ARG(int64_t, queries) = 1000;  // per sample, the clean check included
  TORCH_ARG(std::string, output) = "probs";
  TORCH_ARG(int64_t, steps) = 0;  // most iterations; 0 = until the queries run out
  // Fraction of the image the first squares cover; <= 0 means the norm's default.
  TORCH_ARG(double, p_init) = 0;
};

class SquareAttack : public BlackBoxAttack {
 public:
  explicit SquareAttack(SquareOptions options);
  nlohmann::json options_json() const override;

 protected:
  torch::Tensor attack(Oracle& oracle, const torch::Tensor& x, const Criterion& criterion) override;

 private:
  SquareOptions options_;
};

namespace detail_square {
// The fraction p of pixels a square covers at iteration `it` of `total`: p_init halved
// at iterations 10, 50, 200, 500, 1000, 2000, 4000, 6000, 8000 of a 10000-query run,
// rescaled to `total` (Andriushchenko et al., Appendix).
double square_fraction(double p_init, int64_t it, int64_t total);
// The centred pseudo-Gaussian pattern of the L2 attack: two halves of opposite sign,
// unit L2 norm, [s, s] (transposed when `transpose`).
torch::Tensor square_l2_pattern(int64_t s, bool transpose);
// The L1 attack's pattern: rectangles of weight 1/(k+1)^4, unit L1 norm.
torch::Tensor square_l1_pattern(int64_t s, bool transpose);
}  // namespace detail_square

}  // namespace advlab
