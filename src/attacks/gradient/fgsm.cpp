#include "advlab/attacks/gradient/fgsm.h"

#include "advlab/core/error.h"

namespace advlab {

FgsmOptions FgsmOptions::from_params(ParamReader& params) {
  return FgsmOptions(params.require_double("eps"))
      .norm(params.get_string("norm", "linf"))
      .loss(params.get_string("loss", "ce"));
}

Fgsm::Fgsm(FgsmOptions options)
    : BoundedGradientAttack("fgsm", options.eps(), options.norm(), options.loss()),
      options_(std::move(options)) {}

nlohmann::json Fgsm::params() const {
  return {{"eps", options_.eps()}, {"norm", options_.norm()}, {"loss", options_.loss()}};
}

torch::Tensor Fgsm::perturb(AttackContext& context, const torch::Tensor& x, const Criterion& criterion) {
  auto step = context.loss_gradient(x, loss(), criterion);
  context.note_iterations(1);
  auto eps = per_sample_eps(options_.eps(), x);
  auto adv = x + expand_like(eps, x) * threat().normalize_grad(step.grad);
  return context.bounds().clip(threat().project(x, adv, eps));
}

}  // namespace advlab
