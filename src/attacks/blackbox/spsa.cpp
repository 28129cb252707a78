#include "advlab/attacks/blackbox/spsa.h"

#include "advlab/attacks/adam_step.h"
#include "advlab/attacks/blackbox/finite_differences.h"
#include "advlab/attacks/blackbox/score_losses.h"
#include "advlab/core/error.h"

#include <torch/torch.h>

#include <cmath>

namespace advlab {

const ParamTable<SpsaOptions>& SpsaOptions::table() {
  static const auto table = ParamTable<SpsaOptions>("spsa", SpsaOptions(0))
      .add("eps", ADVLAB_FIELD(eps), "perturbation budget").at_least(0).required()
      .add("norm", ADVLAB_FIELD(norm), "threat model").one_of({"linf", "l2"})
      .add("queries", ADVLAB_FIELD(queries), "per-sample query budget, the clean check included; 0 = unlimited (needs steps)").at_least(0)
      .add("steps", ADVLAB_FIELD(steps), "most iterations; 0 = until the queries run out").at_least(0)
      .add("output", ADVLAB_FIELD(output), "what the oracle answers").one_of({"probs", "logits"})
      .add("loss", ADVLAB_FIELD(loss), "score loss; margin as in the paper").one_of(score_loss_names())
      .add("delta", ADVLAB_FIELD(delta), "size of the probing perturbation").above(0)
      .add("samples", ADVLAB_FIELD(samples), "queries per gradient estimate (even: antithetic pairs)").at_least(2)
      .add("learning_rate", ADVLAB_FIELD(learning_rate), "Adam step").above(0).alias("step_size")
      .add("beta1", ADVLAB_FIELD(beta1), "Adam first-moment decay").at_least(0).below(1)
      .add("beta2", ADVLAB_FIELD(beta2), "Adam second-moment decay").at_least(0).below(1);
  return table;
}

SpsaAttack::SpsaAttack(SpsaOptions options)
    : BlackBoxAttack("spsa", options.eps(), options.norm(), parse_score_output("spsa", options.output()),
                     options.queries()),
      options_(std::move(options)) {
  SpsaOptions::table().validate(options_);
  require_stopping_rule("spsa", options_.queries(), options_.steps());
  ADVLAB_CHECK(options_.samples() % 2 == 0, "spsa: samples must be even and >= 2, got ", options_.samples());
}

nlohmann::json SpsaAttack::options_json() const {
  return SpsaOptions::table().to_json(options_);
}

torch::Tensor SpsaAttack::attack(Oracle& oracle, const torch::Tensor& x, const Criterion& criterion) {
  require_stopping_rule("spsa", query_budget(), options_.steps());
  EstimatedDescent d;
  d.samples = options_.samples();
  d.steps = options_.steps();
  d.probe_scale = options_.delta();
  d.loss = options_.loss();
  d.directions = [](std::vector<int64_t> shape, at::Generator& gen) {  // Rademacher directions
    return at::randint(0, 2, shape, gen, torch::TensorOptions().dtype(torch::kFloat32)) * 2 - 1;
  };
  d.state_tensors = 2;  // Adam's moments
  const AdamDecay decay{options_.beta1(), options_.beta2()};
  const double rate = options_.learning_rate();
  d.move = [decay, rate](const torch::Tensor& g, int64_t it, std::vector<torch::Tensor>& adam) {
    return rate * adam_direction(adam[0], adam[1], g, static_cast<double>(it + 1), decay);
  };
  return estimated_descent(oracle, x, criterion, threat(), eps(), d);
}

}  // namespace advlab
