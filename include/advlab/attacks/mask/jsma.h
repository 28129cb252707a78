#pragma once
// JSMA, the Jacobian-based saliency map attack (Papernot, McDaniel, Jha, Fredrikson,
// Celik, Swami 2016, "The Limitations of Deep Learning in Adversarial Settings").
// White-box; targeted (the paper's setting) and untargeted; L0 (eps = number of changed
// coordinates).
//
// Each step takes the gradients of the target logit z_t (alpha) and of the sum of the
// other logits (beta) and changes the PAIR of coordinates (p, q) that maximises
// -(alpha_p + alpha_q)(beta_p + beta_q) subject to alpha_p + alpha_q > 0 and
// beta_p + beta_q < 0 (signs flipped when decreasing), i.e. the pair that raises the
// target most while lowering the others. Both coordinates move by theta * (upper - lower)
// (clipped to the bounds) and leave the search domain. The pair search gives the paper's
// exact O(D^2) search's answer, with tensor ops per sample and an exact pruning bound
// that usually leaves a few dozen coordinates to pair (see jsma.cpp). When no pair meets
// the sign conditions, the pair with the largest alpha - beta is taken instead (the paper
// would stop there); when one coordinate of the budget is left, the best single
// coordinate is taken.
// Untargeted: the target of each step is the most likely class other than the true label
// (re-chosen every step), so the attack pushes towards the nearest competitor.
// Candidates are the coordinates inside the mask that can still move in theta's direction;
// with directions=both (an option) every unchanged coordinate is a candidate raised and
// lowered by |theta| of the range, each way's gradients scaled by the room it has.
// Stops at the first adversarial iterate or when the budget (eps if given, else
// floor(gamma * D)) is spent; samples never broken come back unchanged.
#include "advlab/attacks/attack.h"
#include "advlab/attacks/mask/lazy_mask.h"
#include "advlab/attacks/param_table.h"

#include <torch/arg.h>

namespace advlab {

struct JsmaOptions {
  static const ParamTable<JsmaOptions>& table();

  TORCH_ARG(std::optional<double>, eps);  // max changed coordinates; overrides gamma
  TORCH_ARG(std::string, norm) = "l0";
  TORCH_ARG(double, theta) = 1.0;         // change per coordinate, fraction of the range; sign = direction
  TORCH_ARG(double, gamma) = 0.1;         // max fraction of coordinates changed
  TORCH_ARG(std::string, mask) = "full";
  TORCH_ARG(int64_t, prune) = 1000;       // reversals tried per found adversarial (l0_prune.h), 0 = none
  // "theta": every coordinate moves in theta's direction (the paper); "both": each
  // candidate coordinate may move up or down by |theta| of the range.
  TORCH_ARG(std::string, directions) = "theta";
};

class Jsma : public Attack {
 public:
  explicit Jsma(JsmaOptions options);
  nlohmann::json options_json() const override;
  torch::Tensor mask() const override { return mask_.tensor(); }

 protected:
  torch::Tensor perturb(AttackContext& context, const torch::Tensor& x,
                        const Criterion& criterion) override;

 private:
  // Changed coordinates allowed for inputs of D coordinates.
  int64_t budget(int64_t coordinates) const;

  JsmaOptions options_;
  LazyMask mask_;
};

// The saliency-map choice for one step, exposed for tests. alpha, beta [n, D]: gradients
// of the target logit and of the other logits' sum; domain bool [n, D]: candidates;
// single bool [n]: choose one coordinate instead of a pair. Returns (p, q) int64 [n]
// (p == q for single choices). twins > 0: candidates i and i + twins are one coordinate
// (raised and lowered) and are never chosen as a pair, except by the fallback (the caller
// then moves one of them).
std::pair<torch::Tensor, torch::Tensor> jsma_choose(const torch::Tensor& alpha, const torch::Tensor& beta,
                                                    const torch::Tensor& domain, const torch::Tensor& single,
                                                    bool increase, int64_t twins = 0);

}  // namespace advlab
