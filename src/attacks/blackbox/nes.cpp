#include "advlab/attacks/blackbox/nes.h"

#include "advlab/attacks/best_adversarial.h"
#include "advlab/attacks/blackbox/active_samples.h"
#include "advlab/attacks/blackbox/finite_differences.h"
#include "advlab/attacks/blackbox/score_losses.h"
#include "advlab/core/error.h"

#include <torch/torch.h>

namespace advlab {

NesOptions NesOptions::from_params(ParamReader& params) {
  return NesOptions(params.require_double("eps"))
      .norm(params.get_string("norm", "linf"))
      .queries(params.get_int("queries", 1000))
      .output(params.get_string("output", "probs"))
      .loss(params.get_string("loss", "ce"))
      .sigma(params.get_double("sigma", 0.001))
      .samples(params.get_int("samples", 20))
      .step_size(params.get_double("step_size", 0));
}

NesAttack::NesAttack(NesOptions options)
    : BlackBoxAttack("nes", options.eps(), options.norm(), parse_score_output("nes", options.output()),
                     options.queries()),
      options_(std::move(options)) {
  ADVLAB_CHECK(threat().name() == "linf" || threat().name() == "l2", "nes: norm must be linf or l2, got '",
               options_.norm(), "'");
  ADVLAB_CHECK(options_.queries() >= 1, "nes: queries must be >= 1, got ", options_.queries());
  ADVLAB_CHECK(options_.samples() >= 2 && options_.samples() % 2 == 0,
               "nes: samples must be even and >= 2, got ", options_.samples());
  ADVLAB_CHECK(options_.sigma() > 0, "nes: sigma must be > 0, got ", options_.sigma());
  ADVLAB_CHECK(options_.step_size() >= 0, "nes: step_size must be >= 0, got ", options_.step_size());
  check_score_loss_name("nes", options_.loss());
}

nlohmann::json NesAttack::params() const {
  return {{"eps", options_.eps()},       {"norm", threat().name()},     {"queries", options_.queries()},
          {"output", options_.output()}, {"loss", options_.loss()},     {"sigma", options_.sigma()},
          {"samples", options_.samples()}, {"step_size", options_.absolute_step()}};
}

torch::Tensor NesAttack::attack(Oracle& oracle, const torch::Tensor& x, const Criterion& criterion) {
  auto& gen = oracle.generator();
  const auto bounds = oracle.bounds();
  const int64_t pairs = options_.samples() / 2;
  const int64_t cost = 2 * pairs + 1;  // one estimate and one check of the new iterate
  const double step = options_.absolute_step();
  auto device = x.device();
  BestAdversarial best(x);

  ActiveSamples active(oracle, criterion, cost);
  auto x0 = x.index_select(0, active.indices().to(device));
  auto xa = x0.clone();
  active.track(x0);
  active.track(xa);

  for (int64_t it = 0;; ++it) {
    active.keep_affordable(cost);
    if (active.empty()) break;
    oracle.note_iterations(it + 1);
    auto shape = xa.sizes().vec();
    shape.insert(shape.begin() + 1, pairs);
    auto u = at::randn(shape, gen, torch::TensorOptions().dtype(torch::kFloat32)).to(device);
    auto g = antithetic_gradient(oracle, xa, active.indices(), active.criterion(), u, options_.sigma(),
                                 options_.loss());
    auto eps = per_sample_eps(options_.eps(), x0);
    xa = bounds.clip(threat().project(x0, xa - step * threat().normalize_grad(g), eps));
    auto adversarial = active.criterion().is_adversarial(query_log_probabilities(oracle, xa, active.indices()));
    best.update(active.indices(), xa, adversarial);
    active.keep(~adversarial);
  }
  return best.adversarials();
}

}  // namespace advlab
