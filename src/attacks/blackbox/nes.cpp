#include "advlab/attacks/blackbox/nes.h"

#include "advlab/attacks/blackbox/finite_differences.h"
#include "advlab/attacks/blackbox/score_losses.h"
#include "advlab/core/error.h"

#include <torch/torch.h>

namespace advlab {

const ParamTable<NesOptions>& NesOptions::table() {
  static const auto table = ParamTable<NesOptions>("nes", NesOptions(0))
      .add("eps", ADVLAB_FIELD(eps), "perturbation budget").at_least(0).required()
      .add("norm", ADVLAB_FIELD(norm), "threat model").one_of({"linf", "l2"})
      .add("queries", ADVLAB_FIELD(queries), "per-sample query budget, the clean check included; 0 = unlimited (needs steps)").at_least(0)
      .add("steps", ADVLAB_FIELD(steps), "most iterations; 0 = until the queries run out").at_least(0)
      .add("output", ADVLAB_FIELD(output), "what the oracle answers").one_of({"probs", "logits"})
      .add("loss", ADVLAB_FIELD(loss), "score loss; ce as in the paper").one_of(score_loss_names())
      .add("sigma", ADVLAB_FIELD(sigma), "scale of the search distribution").above(0)
      .add("samples", ADVLAB_FIELD(samples), "queries per gradient estimate (even: antithetic pairs)").at_least(2)
      .add("step_size", ADVLAB_FIELD(step_size), "PGD step; 0 = eps / 5").at_least(0);
  return table;
}

NesAttack::NesAttack(NesOptions options)
    : BlackBoxAttack("nes", options.eps(), options.norm(), parse_score_output("nes", options.output()),
                     options.queries()),
      options_(std::move(options)) {
  NesOptions::table().validate(options_);
  require_stopping_rule("nes", options_.queries(), options_.steps());
  ADVLAB_CHECK(options_.samples() % 2 == 0, "nes: samples must be even and >= 2, got ", options_.samples());
}

nlohmann::json NesAttack::options_json() const {
  auto j = NesOptions::table().to_json(options_);
  j["step_size"] = options_.absolute_step(eps());  // the step in effect
  return j;
}

torch::Tensor NesAttack::attack(Oracle& oracle, const torch::Tensor& x, const Criterion& criterion) {
  require_stopping_rule("nes", query_budget(), options_.steps());
  const double step = options_.absolute_step(eps());
  EstimatedDescent d;
  d.samples = options_.samples();
  d.steps = options_.steps();
  d.probe_scale = options_.sigma();
  d.loss = options_.loss();
  d.directions = [](std::vector<int64_t> shape, at::Generator& gen) {  // Gaussian search distribution
    return at::randn(shape, gen, torch::TensorOptions().dtype(torch::kFloat32));
  };
  d.move = [this, step](const torch::Tensor& g, int64_t, std::vector<torch::Tensor>&) {
    return step * threat().normalize_grad(g);  // a PGD step on the estimate
  };
  return estimated_descent(oracle, x, criterion, threat(), eps(), d);
}

}  // namespace advlab
