#include "advlab/attacks/blackbox/spsa.h"

#include "advlab/attacks/best_adversarial.h"
#include "advlab/attacks/blackbox/active_samples.h"
#include "advlab/attacks/blackbox/finite_differences.h"
#include "advlab/attacks/blackbox/score_losses.h"
#include "advlab/core/error.h"

#include <torch/torch.h>

#include <cmath>

namespace advlab {

SpsaOptions SpsaOptions::from_params(ParamReader& params) {
  return SpsaOptions(params.require_double("eps"))
      .norm(params.get_string("norm", "linf"))
      .queries(params.get_int("queries", 1000))
      .output(params.get_string("output", "probs"))
      .loss(params.get_string("loss", "margin"))
      .delta(params.get_double("delta", 0.01))
      .samples(params.get_int("samples", 32))
      .learning_rate(params.get_double("learning_rate", params.get_double("step_size", 0.01)))
      .beta1(params.get_double("beta1", 0.9))
      .beta2(params.get_double("beta2", 0.999));
}

SpsaAttack::SpsaAttack(SpsaOptions options)
    : BlackBoxAttack("spsa", options.eps(), options.norm(), parse_score_output("spsa", options.output()),
                     options.queries()),
      options_(std::move(options)) {
  ADVLAB_CHECK(threat().name() == "linf" || threat().name() == "l2", "spsa: norm must be linf or l2, got '",
               options_.norm(), "'");
  ADVLAB_CHECK(options_.queries() >= 1, "spsa: queries must be >= 1, got ", options_.queries());
  ADVLAB_CHECK(options_.samples() >= 2 && options_.samples() % 2 == 0,
               "spsa: samples must be even and >= 2, got ", options_.samples());
  ADVLAB_CHECK(options_.delta() > 0, "spsa: delta must be > 0, got ", options_.delta());
  ADVLAB_CHECK(options_.learning_rate() > 0, "spsa: learning_rate must be > 0, got ", options_.learning_rate());
  ADVLAB_CHECK(options_.beta1() >= 0 && options_.beta1() < 1, "spsa: beta1 must be in [0, 1), got ",
               options_.beta1());
  ADVLAB_CHECK(options_.beta2() >= 0 && options_.beta2() < 1, "spsa: beta2 must be in [0, 1), got ",
               options_.beta2());
  check_score_loss_name("spsa", options_.loss());
}

nlohmann::json SpsaAttack::params() const {
  return {{"eps", options_.eps()},         {"norm", threat().name()},
          {"queries", options_.queries()}, {"output", options_.output()},
          {"loss", options_.loss()},       {"delta", options_.delta()},
          {"samples", options_.samples()}, {"learning_rate", options_.learning_rate()},
          {"beta1", options_.beta1()},     {"beta2", options_.beta2()}};
}

torch::Tensor SpsaAttack::attack(Oracle& oracle, const torch::Tensor& x, const Criterion& criterion) {
  auto& gen = oracle.generator();
  const auto bounds = oracle.bounds();
  const int64_t pairs = options_.samples() / 2;
  const int64_t cost = 2 * pairs + 1;  // one estimate and one check of the new iterate
  const double b1 = options_.beta1(), b2 = options_.beta2();
  auto device = x.device();
  BestAdversarial best(x);

  ActiveSamples active(oracle, criterion, cost);
  auto x0 = x.index_select(0, active.indices().to(device));
  auto xa = x0.clone();
  auto m = torch::zeros_like(xa), v = torch::zeros_like(xa);  // Adam moments
  for (auto* state : {&x0, &xa, &m, &v}) active.track(*state);

  for (int64_t it = 0;; ++it) {
    active.keep_affordable(cost);
    if (active.empty()) break;
    oracle.note_iterations(it + 1);
    auto shape = xa.sizes().vec();
    shape.insert(shape.begin() + 1, pairs);
    auto u = (at::randint(0, 2, shape, gen, torch::TensorOptions().dtype(torch::kFloat32)) * 2 - 1).to(device);
    auto g = antithetic_gradient(oracle, xa, active.indices(), active.criterion(), u, options_.delta(),
                                 options_.loss());
    m = b1 * m + (1 - b1) * g;
    v = b2 * v + (1 - b2) * g * g;
    const double t = static_cast<double>(it + 1);
    auto update = (m / (1 - std::pow(b1, t))) / ((v / (1 - std::pow(b2, t))).sqrt() + 1e-8);
    auto eps = per_sample_eps(options_.eps(), x0);
    xa = bounds.clip(threat().project(x0, xa - options_.learning_rate() * update, eps));
    auto adversarial = active.criterion().is_adversarial(query_log_probabilities(oracle, xa, active.indices()));
    best.update(active.indices(), xa, adversarial);
    active.keep(~adversarial);
  }
  return best.adversarials();
}

}  // namespace advlab
