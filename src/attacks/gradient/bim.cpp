#include "advlab/attacks/gradient/bim.h"

#include "advlab/core/error.h"

#include <algorithm>
#include <cmath>

namespace advlab {

int64_t BimOptions::resolved_steps(double eps, double range) const {
  if (steps()) return *steps();
  double grey_levels = 255.0 * eps / range;
  // Capped so a huge eps (--set eps=1e40) stays a representable count.
  double steps = std::min({grey_levels + 4, 1.25 * grey_levels, 1e9});
  return std::max<int64_t>(1, static_cast<int64_t>(steps));
}

double BimOptions::resolved_step_size(double range) const { return step_size().value_or(range / 255.0); }

const ParamTable<BimOptions>& BimOptions::table() {
  static const auto table = ParamTable<BimOptions>("bim", BimOptions(0))
      .add("eps", ADVLAB_FIELD(eps), "perturbation budget").at_least(0).required()
      .add("norm", ADVLAB_FIELD(norm), "threat model").one_of({"linf"})
      .add("steps", ADVLAB_FIELD(steps), "iterations; none = min(255 eps + 4, 1.25 * 255 eps) (Kurakin)").at_least(1)
      .add("step_size", ADVLAB_FIELD(step_size), "step per iteration; none = 1/255 (one grey level of a [0, 1] image)").above(0)
      .add("loss", ADVLAB_FIELD(loss), "loss the steps ascend").one_of(loss_names());
  return table;
}


Bim::Bim(BimOptions options)
    : GradientDescentAttack("bim", options.eps(), options.norm(), options.loss()), options_(std::move(options)) {
  BimOptions::table().validate(options_);
}

DescentSettings Bim::settings(double eps, const Bounds& bounds) const {
  range_ = bounds.upper - bounds.lower;
  DescentSettings s;
  s.steps = options_.resolved_steps(eps, bounds.upper - bounds.lower);
  s.step_size = options_.resolved_step_size(bounds.upper - bounds.lower);
  return s;
}

nlohmann::json Bim::options_json() const {
  auto j = BimOptions::table().to_json(options_);
  // The values in effect at the last run's eps ([0, 1] inputs before any run).
  auto range = range_;
  j["steps"] = options_.resolved_steps(eps(), range);
  j["step_size"] = options_.resolved_step_size(range);
  return j;
}

}  // namespace advlab
