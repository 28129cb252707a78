#pragma once
// BIM, the Basic Iterative Method (Kurakin, Goodfellow, Bengio 2017, "Adversarial Examples
// in the Physical World"): PGD without random start; steps of 1/255 (one grey level),
// min(255*eps + 4, 1.25 * 255*eps) of them by default, so the walk can reach the ball's
// surface. Inputs are taken to be scaled to [0, 1] for these defaults.
// White-box; untargeted or targeted; L-inf.
#include "advlab/attacks/gradient/iterative_fgsm.h"
#include "advlab/attacks/param_reader.h"

#include <torch/arg.h>

#include <optional>

namespace advlab {

struct BimOptions {
  explicit BimOptions(double eps) : eps_(eps) {}
  static BimOptions from_params(ParamReader& params);
  int64_t resolved_steps() const;     // steps, or Kurakin's count
  double resolved_step_size() const;  // step_size, or 1/255

  TORCH_ARG(double, eps);
  TORCH_ARG(std::string, norm) = "linf";
  TORCH_ARG(std::optional<int64_t>, steps);
  TORCH_ARG(std::optional<double>, step_size);
  TORCH_ARG(std::string, loss) = "ce";
};

class Bim : public IterativeFgsm {
 public:
  explicit Bim(BimOptions options);
  nlohmann::json params() const override;

 private:
  BimOptions options_;
};

}  // namespace advlab
