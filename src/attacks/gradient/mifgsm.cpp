#include "advlab/attacks/gradient/mifgsm.h"

#include "advlab/core/error.h"

namespace advlab {

double MifgsmOptions::resolved_step_size() const {
  return step_size().value_or(eps() / static_cast<double>(std::max<int64_t>(steps(), 1)));
}

MifgsmOptions MifgsmOptions::from_params(ParamReader& params) {
  MifgsmOptions o(params.require_double("eps"));
  o.norm(params.get_string("norm", "linf"))
      .steps(params.get_int("steps", 10))
      .decay(params.get_double("decay", 1.0))
      .loss(params.get_string("loss", "ce"));
  if (params.has("step_size")) o.step_size(params.get_double("step_size", 0));
  return o;
}

namespace {
IterativeFgsmSettings mifgsm_settings(const MifgsmOptions& o) {
  require_norm("mifgsm", o.norm(), {"linf", "l2"});
  IterativeFgsmSettings s;
  s.steps = o.steps();
  s.step_size = o.resolved_step_size();
  s.decay = o.decay();
  return s;
}
}  // namespace

Mifgsm::Mifgsm(MifgsmOptions options)
    : IterativeFgsm("mifgsm", options.eps(), options.norm(), options.loss(), mifgsm_settings(options)),
      options_(std::move(options)) {}

nlohmann::json Mifgsm::params() const {
  return {{"eps", options_.eps()},   {"norm", options_.norm()},   {"steps", settings().steps},
          {"step_size", settings().step_size}, {"decay", settings().decay}, {"loss", options_.loss()}};
}

}  // namespace advlab
