#include "advlab/attacks/gradient/difgsm.h"

#include "advlab/core/error.h"

namespace advlab {

double DifgsmOptions::resolved_step_size(double eps) const {
  return step_size().value_or(eps / static_cast<double>(std::max<int64_t>(steps(), 1)));
}

const ParamTable<DifgsmOptions>& DifgsmOptions::table() {
  static const auto table = ParamTable<DifgsmOptions>("difgsm", DifgsmOptions(0))
      .add("eps", ADVLAB_FIELD(eps), "perturbation budget").at_least(0).required()
      .add("norm", ADVLAB_FIELD(norm), "threat model").one_of({"linf"})
      .add("steps", ADVLAB_FIELD(steps), "iterations").at_least(1)
      .add("step_size", ADVLAB_FIELD(step_size), "step per iteration; none = eps / steps").above(0)
      .add("diversity_prob", ADVLAB_FIELD(diversity_prob), "chance of a resize-and-pad per step").at_least(0).at_most(1)
      .add("resize_rate", ADVLAB_FIELD(resize_rate), "smallest resize, fraction of the side").above(0).at_most(1)
      .add("decay", ADVLAB_FIELD(decay), "momentum decay (0: none)").at_least(0)
      .add("loss", ADVLAB_FIELD(loss), "loss the steps ascend").one_of(loss_names());
  return table;
}


Difgsm::Difgsm(DifgsmOptions options)
    : GradientDescentAttack("difgsm", options.eps(), options.norm(), options.loss()), options_(std::move(options)) {
  DifgsmOptions::table().validate(options_);
}

DescentSettings Difgsm::settings(double eps, const Bounds&) const {
  DescentSettings s;
  s.steps = options_.steps();
  s.step_size = options_.resolved_step_size(eps);
  s.decay = options_.decay();
  s.diversity_prob = options_.diversity_prob();
  s.resize_rate = options_.resize_rate();
  return s;
}

nlohmann::json Difgsm::options_json() const {
  auto j = DifgsmOptions::table().to_json(options_);
  j["step_size"] = options_.resolved_step_size(eps());  // the step in effect
  return j;
}

}  // namespace advlab
