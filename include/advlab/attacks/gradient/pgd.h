#pragma once
// PGD (Madry et al. 2018, "Towards Deep Learning Models Resistant to Adversarial
// Attacks"): iterated normalised gradient steps, each projected back onto the eps-ball
// and the bounds, from a random start in the ball, best of several restarts.
// White-box; untargeted or targeted; L-inf, L2, L1. A sample stops costing compute as
// soon as an iterate is adversarial (that iterate is kept).
#include "advlab/attacks/gradient/gradient_descent.h"
#include "advlab/attacks/param_table.h"

#include <torch/arg.h>

namespace advlab {

struct PgdOptions {
  explicit PgdOptions(double eps) : eps_(eps) {}
  double absolute_step(double eps) const;  // the step at budget eps
  static const ParamTable<PgdOptions>& table();

  TORCH_ARG(double, eps);
  TORCH_ARG(std::string, norm) = "linf";
  TORCH_ARG(int64_t, steps) = 40;
  // Absolute step size; when <= 0 the step is rel_step_size * eps.
  TORCH_ARG(double, step_size) = 0;
  // Relative step; <= 0 means 2.5 / steps, so the walk can cross the ball (Madry et al.).
  TORCH_ARG(double, rel_step_size) = 0;
  TORCH_ARG(bool, random_start) = true;
  TORCH_ARG(int64_t, restarts) = 1;  // total runs; later runs only for samples not yet broken
  TORCH_ARG(std::string, loss) = "ce";
};

class Pgd : public GradientDescentAttack {
 public:
  explicit Pgd(PgdOptions options);
  nlohmann::json options_json() const override;

 protected:
  DescentSettings settings(double eps, const Bounds& bounds) const override;

 private:
  PgdOptions options_;
};

}  // namespace advlab
