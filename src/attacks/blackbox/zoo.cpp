#include "advlab/attacks/blackbox/zoo.h"

#include "advlab/attacks/best_adversarial.h"
#include "advlab/attacks/blackbox/active_samples.h"
#include "advlab/attacks/blackbox/score_losses.h"
#include "advlab/core/error.h"

#include <torch/torch.h>

#include <cmath>

namespace advlab {

namespace {

// The C&W loss on log-probabilities, to minimise: max(margin, -kappa).
torch::Tensor zoo_loss(const torch::Tensor& logp, const Criterion& criterion, double kappa) {
  return score_margin(logp, criterion).clamp_min(-kappa);
}

}  // namespace

double ZooOptions::step() const {
  if (learning_rate() > 0) return learning_rate();
  if (norm() == "l2") return 2 * eps() / std::sqrt(std::max(1.0, double(queries()) / 2));
  return eps();
}

ZooOptions ZooOptions::from_params(ParamReader& params) {
  return ZooOptions(params.require_double("eps"))
      .norm(params.get_string("norm", "linf"))
      .queries(params.get_int("queries", 1000))
      .output(params.get_string("output", "probs"))
      .solver(params.get_string("solver", "adam"))
      .coordinates(params.get_int("coordinates", 8))
      .learning_rate(params.get_double("learning_rate", params.get_double("step_size", 0)))
      .h(params.get_double("h", 1e-4))
      .confidence(params.get_double("confidence", 0))
      .beta1(params.get_double("beta1", 0.9))
      .beta2(params.get_double("beta2", 0.999));
}

ZooAttack::ZooAttack(ZooOptions options)
    : BlackBoxAttack("zoo", options.eps(), options.norm(), parse_score_output("zoo", options.output()),
                     options.queries()),
      options_(std::move(options)) {
  ADVLAB_CHECK(threat().name() == "linf" || threat().name() == "l2", "zoo: norm must be linf or l2, got '",
               options_.norm(), "'");
  ADVLAB_CHECK(options_.queries() >= 1, "zoo: queries must be >= 1, got ", options_.queries());
  ADVLAB_CHECK(options_.solver() == "adam" || options_.solver() == "newton",
               "zoo: solver must be adam or newton, got '", options_.solver(), "'");
  ADVLAB_CHECK(options_.coordinates() >= 1, "zoo: coordinates must be >= 1, got ", options_.coordinates());
  ADVLAB_CHECK(options_.learning_rate() >= 0, "zoo: learning_rate must be >= 0, got ", options_.learning_rate());
  ADVLAB_CHECK(options_.h() > 0, "zoo: h must be > 0, got ", options_.h());
  ADVLAB_CHECK(options_.confidence() >= 0, "zoo: confidence must be >= 0, got ", options_.confidence());
  ADVLAB_CHECK(options_.beta1() >= 0 && options_.beta1() < 1, "zoo: beta1 must be in [0, 1), got ",
               options_.beta1());
  ADVLAB_CHECK(options_.beta2() >= 0 && options_.beta2() < 1, "zoo: beta2 must be in [0, 1), got ",
               options_.beta2());
}

nlohmann::json ZooAttack::params() const {
  return {{"eps", options_.eps()},
          {"norm", threat().name()},
          {"queries", options_.queries()},
          {"output", options_.output()},
          {"solver", options_.solver()},
          {"coordinates", options_.coordinates()},
          {"learning_rate", options_.step()},
          {"h", options_.h()},
          {"confidence", options_.confidence()},
          {"beta1", options_.beta1()},
          {"beta2", options_.beta2()}};
}

torch::Tensor ZooAttack::attack(Oracle& oracle, const torch::Tensor& x, const Criterion& criterion) {
  auto& gen = oracle.generator();
  const auto bounds = oracle.bounds();
  auto device = x.device();
  const int64_t D = flat(x).size(1);
  const int64_t B = std::min(options_.coordinates(), D);
  const double lr = options_.step(), h = options_.h(), kappa = options_.confidence();
  const double b1 = options_.beta1(), b2 = options_.beta2();
  const bool newton = options_.solver() == "newton";
  BestAdversarial best(x);

  ActiveSamples active(oracle, criterion, 1);
  auto x0 = x.index_select(0, active.indices().to(device));
  auto xa = x0.clone();
  auto fopts = torch::TensorOptions().dtype(torch::kFloat32).device(device);
  auto M = torch::zeros({x0.size(0), D}, fopts), V = torch::zeros_like(M), T = torch::zeros_like(M);
  torch::Tensor f0;  // loss at the current iterate [n]
  for (auto* state : {&x0, &xa, &M, &V, &T, &f0}) active.track(*state);

  for (int64_t it = 0;; ++it) {
    active.keep_affordable(1);
    if (active.empty()) break;
    oracle.note_iterations(it + 1);
    // The current iterate: adversarial already? Its loss also serves the Hessian estimate.
    auto logp = query_log_probabilities(oracle, xa, active.indices());
    f0 = zoo_loss(logp, active.criterion(), kappa);
    auto adversarial = active.criterion().is_adversarial(logp);
    best.update(active.indices(), xa, adversarial);
    active.keep(~adversarial);
    active.keep_affordable(2 * B + 1);  // a step must leave a query to check it
    if (active.empty()) break;

    const int64_t n = active.size();
    auto coords = std::get<1>(at::rand({n, D}, gen).topk(B, 1)).to(device);  // [n, B], distinct
    auto xf = flat(xa);
    auto xi = xf.gather(1, coords);
    auto plus = bounds.clip(xi + h), minus = bounds.clip(xi - h);
    auto dp = plus - xi, dm = xi - minus;  // the real steps, after clipping
    auto probes = xf.unsqueeze(1).expand({n, 2 * B, D}).clone();
    probes.scatter_(2, torch::cat({coords, coords}, 1).unsqueeze(2), torch::cat({plus, minus}, 1).unsqueeze(2));
    auto shape = xa.sizes().vec();
    shape[0] = n * 2 * B;
    auto owner = torch::arange(n, torch::kLong).repeat_interleave(2 * B);
    auto f = zoo_loss(query_log_probabilities(oracle, probes.view(shape), active.indices().index_select(0, owner)),
                      *active.criterion().select(owner), kappa)
                 .view({n, 2 * B})
                 .to(device);
    auto fp = f.narrow(1, 0, B), fm = f.narrow(1, B, B), fc = f0.to(device).unsqueeze(1);
    auto g = (fp - fm) / (dp + dm).clamp_min(1e-12);

    torch::Tensor delta;
    if (newton) {
      auto both = (dp > 0) & (dm > 0);
      auto hess = ((fp - fc) / dp.clamp_min(1e-12) - (fc - fm) / dm.clamp_min(1e-12)) / ((dp + dm) / 2).clamp_min(1e-12);
      hess = torch::where(both, hess, torch::zeros_like(hess));
      // Newton where the curvature is positive, a gradient step elsewhere.
      delta = -lr * torch::where(hess > 0, g / hess.clamp_min(1e-12), g);
    } else {
      auto m = b1 * M.gather(1, coords) + (1 - b1) * g;
      auto v = b2 * V.gather(1, coords) + (1 - b2) * g * g;
      auto t = T.gather(1, coords) + 1;
      M.scatter_(1, coords, m);
      V.scatter_(1, coords, v);
      T.scatter_(1, coords, t);
      auto mhat = m / (1 - torch::pow(b1, t)), vhat = v / (1 - torch::pow(b2, t));
      delta = -lr * mhat / (vhat.sqrt() + 1e-8);
    }
    auto eps = per_sample_eps(options_.eps(), x0);
    xa = bounds.clip(threat().project(x0, xf.scatter_add(1, coords, delta).view_as(xa), eps));
  }
  return best.adversarials();
}

}  // namespace advlab
