#include "advlab/attacks/gradient/fgsm.h"

#include "advlab/core/error.h"

namespace advlab {

FgsmOptions FgsmOptions::from_params(ParamReader& params) {
  return FgsmOptions(params.require_double("eps"))
      .norm(params.get_string("norm", "linf"))
      .loss(params.get_string("loss", "ce"));
}

Fgsm::Fgsm(FgsmOptions options)
    : options_(std::move(options)),
      threat_(make_threat_model(options_.norm())),
      loss_(make_loss(options_.loss())) {
  ADVLAB_CHECK(options_.eps() >= 0 && std::isfinite(options_.eps()), "fgsm: eps must be >= 0, got ",
               options_.eps());
}

nlohmann::json Fgsm::params() const {
  return {{"eps", options_.eps()}, {"norm", options_.norm()}, {"loss", options_.loss()}};
}

torch::Tensor Fgsm::perturb(AttackContext& context, const torch::Tensor& x, const Criterion& criterion) {
  auto step = context.loss_gradient(x, *loss_, criterion);
  context.note_iterations(1);
  auto eps = per_sample_eps(options_.eps(), x);
  auto adv = x + expand_like(eps, x) * threat_->normalize_grad(step.grad);
  return context.bounds().clip(threat_->project(x, adv, eps));
}

}  // namespace advlab
