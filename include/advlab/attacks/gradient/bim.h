#pragma once
// BIM, the Basic Iterative Method (Kurakin, Goodfellow, Bengio 2017, "Adversarial Examples
// in the Physical World"): PGD without random start; steps of 1/255 (one grey level),
// min(255*eps + 4, 1.25 * 255*eps) of them by default, so the walk can reach the ball's
// surface. A grey level is 1/255 of the bounds' range.
// White-box; untargeted or targeted; L-inf.
#include "advlab/attacks/gradient/gradient_descent.h"
#include "advlab/attacks/param_table.h"

#include <torch/arg.h>

#include <optional>

namespace advlab {

struct BimOptions {
  explicit BimOptions(double eps) : eps_(eps) {}
  static const ParamTable<BimOptions>& table();
  // At budget eps on inputs in [lower, upper]: steps, or Kurakin's count; step_size, or
  // one grey level (range / 255).
  int64_t resolved_steps(double eps, double range) const;
  double resolved_step_size(double range) const;

  TORCH_ARG(double, eps);
  TORCH_ARG(std::string, norm) = "linf";
  TORCH_ARG(std::optional<int64_t>, steps);
  TORCH_ARG(std::optional<double>, step_size);
  TORCH_ARG(std::string, loss) = "ce";
};

class Bim : public GradientDescentAttack {
 public:
  explicit Bim(BimOptions options);
  nlohmann::json options_json() const override;

 protected:
  DescentSettings settings(double eps, const Bounds& bounds) const override;

 private:
  BimOptions options_;
  mutable double range_ = 1.0;  // the last run's bounds range, for options_json()
};

}  // namespace advlab
