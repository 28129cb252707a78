#include "advlab/gan/advgan_attack.h"

#include "advlab/core/error.h"

#include <cmath>

namespace advlab::gan {

AdvGanAttackOptions AdvGanAttackOptions::from_params(ParamReader& params) {
  return AdvGanAttackOptions(params.get_string("generator", ""))
      .eps(params.find_double("eps"))
      .norm(params.get_string("norm", ""));
}

AdvGanAttack::AdvGanAttack(AdvGanAttackOptions options) : options_(std::move(options)) {
  ADVLAB_CHECK(!options_.generator().empty(), "advgan needs option 'generator' (advlab attack --generator FILE)");
  if (options_.eps()) {
    double e = *options_.eps();
    ADVLAB_CHECK(std::isfinite(e) && e > 0, "advgan: eps must be finite and > 0, got ", e);
  }
  generator_ = load_advgan_generator(options_.generator());
  ADVLAB_CHECK(options_.norm().empty() || options_.norm() == generator_.norm, "advgan: norm '", options_.norm(),
               "' does not match the generator's (", generator_.norm, ", trained into ", options_.generator(), ")");
  // A larger eps than the generator's changes nothing: its outputs are already inside.
  eps_ = options_.eps().value_or(generator_.eps);
  threat_ = make_threat_model(generator_.norm);
}

nlohmann::json AdvGanAttack::params() const {
  return {{"generator", options_.generator()},
          {"eps", eps_},
          {"norm", generator_.norm},
          {"generator_eps", generator_.eps},
          {"generator_target", generator_.target}};
}

torch::Tensor AdvGanAttack::perturb(AttackContext& context, const torch::Tensor& x, const Criterion& criterion) {
  std::vector<int64_t> shape(x.sizes().begin() + 1, x.sizes().end());
  ADVLAB_CHECK(shape == generator_.input_shape, "advgan: the generator takes images of shape ",
               c10::IntArrayRef(generator_.input_shape), ", got ", c10::IntArrayRef(shape));
  torch::NoGradGuard no_grad;
  generator_.module.to(x.device());
  auto delta = generator_.module.forward({x.to(torch::kFloat32)}).toTensor();
  auto adv = x + delta;
  if (eps_ < generator_.eps) adv = threat_->project(x, adv, per_sample_eps(eps_, x));
  context.note_iterations(1);
  return context.bounds().clip(adv);
}

}  // namespace advlab::gan
