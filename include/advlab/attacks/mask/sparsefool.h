#pragma once
// SparseFool (Modas, Moosavi-Dezfooli, Frossard 2019, "SparseFool: a few pixels make a big
// difference"). White-box; untargeted (the paper) and targeted; L0 and L1 (the norm only
// measures the result and sets eps's meaning: coordinates for L0, L1 mass for L1);
// minimum-norm (eps optional).
//
// Each outer iteration: (1) L2 DeepFool from the current point x_i finds a boundary point
// x_B = x_i + r (the DeepFool search of deepfool.h, restricted to the mask); (2) the
// boundary's normal w is the gradient of z_a - z_b at x_B (a = the class reached, b = the
// true label; targeted: a = target, b = its strongest competitor); (3) the L1 linear solver
// moves x_i onto the hyperplane {z : w.(z - x_i - lambda*r) = 0} with the fewest, largest-
// |w_i| coordinates inside the bounds (the exact box-constrained L1 projection of
// boundary_projection.h, the paper's greedy coordinate solver); (4) the candidate is
// x_0 + (1 + overshoot)(x_i - x_0). It stops at the first adversarial candidate or after
// max_iter iterations. Under L0, changed coordinates the result does not need are then put
// back (prune_l0). lambda > 1 places the plane beyond the boundary, trading sparsity
// for fewer iterations. Only coordinates inside the mask have non-zero w, so only they move.
#include "advlab/attacks/gradient/minimum_norm_attack.h"
#include "advlab/attacks/mask/lazy_mask.h"
#include "advlab/attacks/param_table.h"

#include <torch/arg.h>

namespace advlab {

struct SparseFoolOptions {
  static const ParamTable<SparseFoolOptions>& table();

  TORCH_ARG(std::optional<double>, eps);
  TORCH_ARG(std::string, norm) = "l0";
  TORCH_ARG(double, lambda) = 3.0;          // boundary point factor x_i + lambda * r
  TORCH_ARG(int64_t, max_iter) = 20;        // outer (linear solver) iterations
  TORCH_ARG(int64_t, deepfool_steps) = 50;  // inner DeepFool steps per outer iteration
  TORCH_ARG(int64_t, candidates) = 10;      // classes DeepFool considers, the original one included
  TORCH_ARG(double, overshoot) = 0.02;
  TORCH_ARG(std::string, mask) = "full";
  TORCH_ARG(int64_t, prune) = 1000;         // L0: reversals tried per found adversarial (l0_prune.h), 0 = none
  TORCH_ARG(int64_t, refine_steps) = 10;    // L1: bisection steps back towards x at the end
  TORCH_ARG(int64_t, target_classes) = 3;   // untargeted: + k targeted runs, closest kept
};

class SparseFool : public MinimumNormAttack {
 public:
  explicit SparseFool(SparseFoolOptions options);
  nlohmann::json options_json() const override;
  torch::Tensor mask() const override { return mask_.tensor(); }

 protected:
  int64_t target_classes() const override { return options_.target_classes(); }
  torch::Tensor minimise(AttackContext& context, const torch::Tensor& x,
                         const Criterion& criterion) override;

 private:
  SparseFoolOptions options_;
  LazyMask mask_;
};

}  // namespace advlab
