#include "advlab/attacks/gradient/difgsm.h"

#include "advlab/core/error.h"

namespace advlab {

double DifgsmOptions::resolved_step_size() const {
  return step_size().value_or(eps() / static_cast<double>(std::max<int64_t>(steps(), 1)));
}

DifgsmOptions DifgsmOptions::from_params(ParamReader& params) {
  DifgsmOptions o(params.require_double("eps"));
  o.norm(params.get_string("norm", "linf"))
      .steps(params.get_int("steps", 10))
      .diversity_prob(params.get_double("diversity_prob", 0.5))
      .resize_rate(params.get_double("resize_rate", 0.9))
      .decay(params.get_double("decay", 0.0))
      .loss(params.get_string("loss", "ce"));
  if (params.has("step_size")) o.step_size(params.get_double("step_size", 0));
  return o;
}

namespace {
IterativeFgsmSettings difgsm_settings(const DifgsmOptions& o) {
  require_norm("difgsm", o.norm(), {"linf"});
  IterativeFgsmSettings s;
  s.steps = o.steps();
  s.step_size = o.resolved_step_size();
  s.decay = o.decay();
  s.diversity_prob = o.diversity_prob();
  s.resize_rate = o.resize_rate();
  return s;
}
}  // namespace

Difgsm::Difgsm(DifgsmOptions options)
    : IterativeFgsm("difgsm", options.eps(), options.norm(), options.loss(), difgsm_settings(options)),
      options_(std::move(options)) {}

nlohmann::json Difgsm::params() const {
  return {{"eps", options_.eps()},
          {"norm", options_.norm()},
          {"steps", settings().steps},
          {"step_size", settings().step_size},
          {"diversity_prob", settings().diversity_prob},
          {"resize_rate", settings().resize_rate},
          {"decay", settings().decay},
          {"loss", options_.loss()}};
}

}  // namespace advlab
