#include "advlab/attacks/gradient/mifgsm.h"

#include "advlab/core/error.h"

namespace advlab {

double MifgsmOptions::resolved_step_size(double eps) const {
  return step_size().value_or(eps / static_cast<double>(std::max<int64_t>(steps(), 1)));
}

const ParamTable<MifgsmOptions>& MifgsmOptions::table() {
  static const auto table = ParamTable<MifgsmOptions>("mifgsm", MifgsmOptions(0))
      .add("eps", ADVLAB_FIELD(eps), "perturbation budget").at_least(0).required()
      .add("norm", ADVLAB_FIELD(norm), "threat model").one_of({"linf", "l2"})
      .add("steps", ADVLAB_FIELD(steps), "iterations").at_least(1)
      .add("step_size", ADVLAB_FIELD(step_size), "step per iteration; none = eps / steps").above(0)
      .add("decay", ADVLAB_FIELD(decay), "momentum decay mu").at_least(0)
      .add("loss", ADVLAB_FIELD(loss), "loss the steps ascend").one_of(loss_names());
  return table;
}


Mifgsm::Mifgsm(MifgsmOptions options)
    : GradientDescentAttack("mifgsm", options.eps(), options.norm(), options.loss()), options_(std::move(options)) {
  MifgsmOptions::table().validate(options_);
}

DescentSettings Mifgsm::settings(double eps, const Bounds&) const {
  DescentSettings s;
  s.steps = options_.steps();
  s.step_size = options_.resolved_step_size(eps);
  s.decay = options_.decay();
  return s;
}

nlohmann::json Mifgsm::options_json() const {
  auto j = MifgsmOptions::table().to_json(options_);
  j["step_size"] = options_.resolved_step_size(eps());  // the step in effect
  return j;
}

}  // namespace advlab
