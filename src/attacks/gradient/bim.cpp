#include "advlab/attacks/gradient/bim.h"

#include "advlab/core/error.h"

#include <algorithm>
#include <cmath>

namespace advlab {

int64_t BimOptions::resolved_steps() const {
  if (steps()) return *steps();
  double grey_levels = 255.0 * eps();
  // Capped so a huge eps (--set eps=1e40) stays a representable count.
  double steps = std::min({grey_levels + 4, 1.25 * grey_levels, 1e9});
  return std::max<int64_t>(1, static_cast<int64_t>(steps));
}

double BimOptions::resolved_step_size() const { return step_size().value_or(1.0 / 255.0); }

BimOptions BimOptions::from_params(ParamReader& params) {
  BimOptions o(params.require_double("eps"));
  o.norm(params.get_string("norm", "linf")).loss(params.get_string("loss", "ce"));
  if (params.has("steps")) o.steps(params.get_int("steps", 0));
  if (params.has("step_size")) o.step_size(params.get_double("step_size", 0));
  return o;
}

namespace {
IterativeFgsmSettings bim_settings(const BimOptions& o) {
  ADVLAB_CHECK(!o.steps() || *o.steps() >= 1, "bim: steps must be >= 1, got ", *o.steps());
  ADVLAB_CHECK(std::isfinite(o.eps()) && o.eps() >= 0, "bim: eps must be >= 0 and finite, got ", o.eps());
  require_norm("bim", o.norm(), {"linf"});
  IterativeFgsmSettings s;
  s.steps = o.resolved_steps();
  s.step_size = o.resolved_step_size();
  return s;
}
}  // namespace

Bim::Bim(BimOptions options)
    : IterativeFgsm("bim", options.eps(), options.norm(), options.loss(), bim_settings(options)),
      options_(std::move(options)) {}

nlohmann::json Bim::params() const {
  return {{"eps", options_.eps()},
          {"norm", options_.norm()},
          {"steps", settings().steps},
          {"step_size", settings().step_size},
          {"loss", options_.loss()}};
}

}  // namespace advlab
