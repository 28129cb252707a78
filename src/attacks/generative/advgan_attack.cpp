#include "advlab/attacks/generative/advgan_attack.h"

#include "advlab/core/error.h"

#include <cmath>

namespace advlab::gan {

const ParamTable<AdvGanAttackOptions>& AdvGanAttackOptions::table() {
  static const auto table = ParamTable<AdvGanAttackOptions>("advgan", AdvGanAttackOptions(""))
      .add("generator", ADVLAB_FIELD(generator), "generator file from advlab advgan train").required()
      .add("eps", ADVLAB_FIELD(eps), "budget; none = the generator's (a larger one changes nothing)").above(0)
      .add("norm", ADVLAB_FIELD(norm), "threat model; empty = the generator's, else it must match")
      .one_of({"", "linf", "l2"});
  return table;
}

namespace {
AdvGanGenerator load_checked(const AdvGanAttackOptions& o) {
  ADVLAB_CHECK(!o.generator().empty(), "advgan needs option 'generator' (advlab attack --generator FILE)");
  AdvGanAttackOptions::table().validate(o);
  auto generator = load_advgan_generator(o.generator());
  ADVLAB_CHECK(o.norm().empty() || o.norm() == generator.norm, "advgan: norm '", o.norm(),
               "' does not match the generator's (", generator.norm, ", trained into ", o.generator(), ")");
  return generator;
}
}  // namespace

AdvGanAttack::AdvGanAttack(AdvGanAttackOptions options) : AdvGanAttack(options, load_checked(options)) {}

// A larger eps than the generator's changes nothing: its outputs are already inside.
AdvGanAttack::AdvGanAttack(AdvGanAttackOptions options, AdvGanGenerator generator)
    : Attack("advgan", Budget::of(generator.norm, options.eps().value_or(generator.eps))),
      options_(std::move(options)),
      generator_(std::move(generator)) {
  restrict_norms({generator_.norm});
}

nlohmann::json AdvGanAttack::options_json() const {
  return {{"generator", options_.generator()},
          {"eps", eps()},
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
  if (eps() < generator_.eps) adv = threat().project(x, adv, per_sample_eps(eps(), x));
  context.note_iterations(1);
  return context.bounds().clip(adv);
}

}  // namespace advlab::gan
