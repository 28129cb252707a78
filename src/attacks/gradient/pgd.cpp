#include "advlab/attacks/gradient/pgd.h"

#include "advlab/core/error.h"

namespace advlab {

double PgdOptions::absolute_step(double eps) const {
  if (step_size() > 0) return step_size();
  double rel = rel_step_size() > 0 ? rel_step_size() : 2.5 / static_cast<double>(steps());
  return rel * eps;
}

const ParamTable<PgdOptions>& PgdOptions::table() {
  static const auto table = ParamTable<PgdOptions>("pgd", PgdOptions(0))
      .add("eps", ADVLAB_FIELD(eps), "perturbation budget").at_least(0).required()
      .add("norm", ADVLAB_FIELD(norm), "threat model").one_of({"linf", "l2", "l1"})
      .add("steps", ADVLAB_FIELD(steps), "iterations per run").at_least(1)
      .add("step_size", ADVLAB_FIELD(step_size), "absolute step; 0 = rel_step_size * eps").at_least(0)
      .add("rel_step_size", ADVLAB_FIELD(rel_step_size), "relative step; 0 = 2.5 / steps (Madry et al.)").at_least(0)
      .add("random_start", ADVLAB_FIELD(random_start), "start uniformly in the ball (later restarts always do)")
      .add("restarts", ADVLAB_FIELD(restarts), "total runs; later runs only for samples not yet broken").at_least(1)
      .add("loss", ADVLAB_FIELD(loss), "loss the steps ascend").one_of(loss_names());
  return table;
}

Pgd::Pgd(PgdOptions options)
    : GradientDescentAttack("pgd", options.eps(), options.norm(), options.loss()),
      options_(std::move(options)) {
  PgdOptions::table().validate(options_);
}

nlohmann::json Pgd::options_json() const {
  auto j = PgdOptions::table().to_json(options_);
  j["step_size"] = options_.absolute_step(eps());  // the step in effect
  return j;
}

DescentSettings Pgd::settings(double eps, const Bounds&) const {
  DescentSettings s;
  s.steps = options_.steps();
  s.step_size = options_.absolute_step(eps);
  s.random_start = options_.random_start();
  s.restarts = options_.restarts();
  return s;
}

}  // namespace advlab
