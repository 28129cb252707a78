#pragma once
// SimBA (Guo, Gardner, You, Wilson, Weinberger 2019, "Simple Black-box Adversarial
// Attacks"): walk along random orthonormal directions q, taken without replacement from
// the pixel basis or the low-frequency DCT basis (`basis`); try x - eps_step q, then
// x + eps_step q, and keep the first that lowers the true-class probability (raises the
// target's, targeted). Steps are projected onto the eps-ball (L2 is SimBA's own norm;
// for L-inf the projection clips each pixel) and the bounds; a step that would change
// nothing costs no query.
// Black-box (scores); untargeted or targeted; L2, L-inf. A sample stops as soon as a
// kept step is adversarial.
#include "advlab/attacks/blackbox/black_box_attack.h"
#include "advlab/attacks/param_table.h"

#include <torch/arg.h>

namespace advlab {

struct SimbaOptions {
  explicit SimbaOptions(double eps) : eps_(eps) {}
  static const ParamTable<SimbaOptions>& table();
  std::string basis_in_effect() const;  // see basis below

  TORCH_ARG(double, eps);
  TORCH_ARG(std::string, norm) = "l2";
  TORCH_ARG(int64_t, queries) = 1000;  // per sample, the clean check included
  TORCH_ARG(std::string, output) = "probs";
  TORCH_ARG(int64_t, steps) = 0;  // most iterations; 0 = until the queries run out
  // "pixel" | "dct"; empty means dct for L2 (SimBA-DCT) and pixel for L-inf, where
  // +-eps per pixel is far stronger (on the test CNN at eps 0.1: 88% vs 53% broken).
  TORCH_ARG(std::string, basis) = "";
  // Step along each direction; <= 0 means 0.2 for L2 (the paper's) and for L-inf a step
  // whose largest pixel change is about eps (eps for pixels, eps sqrt(H W) / 2 for DCT).
  TORCH_ARG(double, eps_step) = 0;
  // DCT: the first directions come from the lowest freq_dims x freq_dims frequencies,
  // then rings of `stride` more; <= 0 means H/4 and H/8 (at least 1).
  TORCH_ARG(int64_t, freq_dims) = 0;
  TORCH_ARG(int64_t, stride) = 0;
};

class SimbaAttack : public BlackBoxAttack {
 public:
  explicit SimbaAttack(SimbaOptions options);
  nlohmann::json options_json() const override;

 protected:
  torch::Tensor attack(Oracle& oracle, const torch::Tensor& x, const Criterion& criterion) override;

 private:
  SimbaOptions options_;
};

namespace detail_simba {
// Orthonormal DCT-II matrix [n, n]: row k is the k-th cosine basis vector.
torch::Tensor dct_matrix(int64_t n);
// The order SimBA-DCT visits frequencies (c, u, v) of a [C, H, W] image, as flat indices
// c*H*W + u*W + v: random within the low block, then within each ring of `stride`.
torch::Tensor dct_order(int64_t C, int64_t H, int64_t W, int64_t freq_dims, int64_t stride, at::Generator& gen);
}  // namespace detail_simba

}  // namespace advlab
