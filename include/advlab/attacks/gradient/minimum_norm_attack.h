#pragma once
// Shared base of minimum-norm attacks (C&W, DeepFool, EAD, FMN, DDN, ALMA, PDPGD, ...):
// minimise() returns the smallest adversarial found, unprojected; with eps given,
// Attack::run projects, keeps a far adversarial whose projection still fools the model,
// and success means the smallest distance is <= eps.
#include "advlab/attacks/attack.h"

namespace advlab {

class MinimumNormAttack : public Attack {
 public:
  static constexpr bool kMinimumNorm = true;
  bool minimum_norm() const override { return kMinimumNorm; }

 protected:
  // Throws advlab::Error for an unknown norm or eps < 0 / not finite.
  MinimumNormAttack(std::string name, const std::string& norm, std::optional<double> eps);

  // The smallest adversarial found for each sample of x (x itself where none), unprojected.
  virtual torch::Tensor minimise(AttackContext& context, const torch::Tensor& x,
                                 const Criterion& criterion) = 0;

  // Untargeted: minimise() once per target of the sweep (the untargeted run and one
  // towards each of the target_classes() most likely other classes), closest kept
  // (target_sweep.h); 0, or a targeted criterion: one run.
  virtual int64_t target_classes() const { return 0; }

  torch::Tensor perturb(AttackContext& context, const torch::Tensor& x, const Criterion& criterion) final;
  // eps for options_json(): the number, or null when unbounded.
  nlohmann::json eps_json() const;
};

}  // namespace advlab
