#include "advlab/attacks/gradient/fgsm.h"

#include "advlab/core/error.h"

namespace advlab {

const ParamTable<FgsmOptions>& FgsmOptions::table() {
  static const auto table = ParamTable<FgsmOptions>("fgsm", FgsmOptions(0))
      .add("eps", ADVLAB_FIELD(eps), "perturbation budget: the size of the one step").at_least(0).required()
      .add("norm", ADVLAB_FIELD(norm), "threat model").one_of({"linf", "l2", "l1"})
      .add("loss", ADVLAB_FIELD(loss), "loss the step ascends").one_of(loss_names());
  return table;
}

Fgsm::Fgsm(FgsmOptions options)
    : GradientDescentAttack("fgsm", options.eps(), options.norm(), options.loss()),
      options_(std::move(options)) {
  FgsmOptions::table().validate(options_);
}

nlohmann::json Fgsm::options_json() const {
  return FgsmOptions::table().to_json(options_);
}

// One step of size eps; a failed sample keeps its stepped input, as FGSM defines it.
DescentSettings Fgsm::settings(double eps, const Bounds&) const {
  DescentSettings s;
  s.steps = 1;
  s.step_size = eps;
  s.return_last_iterate = true;
  return s;
}

}  // namespace advlab
