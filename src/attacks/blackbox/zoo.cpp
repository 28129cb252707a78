#include "advlab/attacks/blackbox/zoo.h"

#include "advlab/attacks/adam_step.h"
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

double ZooOptions::step(const Budget& budget) const {
  if (learning_rate() > 0) return learning_rate();
  const double eps = budget.eps.value_or(0);
  if (budget.norm() == "l2") return 2 * eps / std::sqrt(std::max(1.0, double(schedule_length(budget.queries, steps())) / 2));
  return eps;
}

const ParamTable<ZooOptions>& ZooOptions::table() {
  static const auto table = ParamTable<ZooOptions>("zoo", ZooOptions(0))
      .add("eps", ADVLAB_FIELD(eps), "perturbation budget").at_least(0).required()
      .add("norm", ADVLAB_FIELD(norm), "threat model").one_of({"linf", "l2"})
      .add("queries", ADVLAB_FIELD(queries), "per-sample query budget, the clean check included; 0 = unlimited (needs steps)").at_least(0)
      .add("steps", ADVLAB_FIELD(steps), "most iterations; 0 = until the queries run out").at_least(0)
      .add("output", ADVLAB_FIELD(output), "what the oracle answers").one_of({"probs", "logits"})
      .add("solver", ADVLAB_FIELD(solver), "coordinate update").one_of({"adam", "newton"})
      .add("coordinates", ADVLAB_FIELD(coordinates), "coordinates updated per iteration").at_least(1)
      .add("learning_rate", ADVLAB_FIELD(learning_rate), "step; 0 = eps (linf) or 2 eps / sqrt(queries / 2) (l2)")
      .at_least(0).alias("step_size")
      .add("h", ADVLAB_FIELD(h), "finite-difference step").above(0)
      .add("confidence", ADVLAB_FIELD(confidence), "kappa of the C&W loss").at_least(0)
      .add("beta1", ADVLAB_FIELD(beta1), "Adam first-moment decay").at_least(0).below(1)
      .add("beta2", ADVLAB_FIELD(beta2), "Adam second-moment decay").at_least(0).below(1);
  return table;
}

ZooAttack::ZooAttack(ZooOptions options)
    : BlackBoxAttack("zoo", options.eps(), options.norm(), parse_score_output("zoo", options.output()),
                     options.queries()),
      options_(std::move(options)) {
  ZooOptions::table().validate(options_);
  require_stopping_rule("zoo", options_.queries(), options_.steps());
}

nlohmann::json ZooAttack::options_json() const {
  auto j = ZooOptions::table().to_json(options_);
  j["learning_rate"] = options_.step(budget());  // the step in effect
  return j;
}

torch::Tensor ZooAttack::attack(Oracle& oracle, const torch::Tensor& x, const Criterion& criterion) {
  const auto bounds = oracle.bounds();
  auto device = x.device();
  const int64_t D = flat(x).size(1);
  const int64_t B = std::min(options_.coordinates(), D);
  require_stopping_rule("zoo", query_budget(), options_.steps());
  const double lr = options_.step(budget()), h = options_.h(), kappa = options_.confidence();
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
    if (past_steps(it, options_.steps())) break;
    active.keep_affordable(1);
    if (active.empty()) break;
    oracle.note_iterations(it + 1);
    // The current iterate: adversarial already? Its loss also serves the Hessian estimate.
    auto logp = query_log_probabilities(oracle, xa, active.indices());
    f0 = zoo_loss(logp, active.criterion(), kappa);
    auto adversarial = surely_adversarial(oracle, logp, active.criterion());
    best.update(active.indices(), xa, adversarial);
    active.keep(~adversarial);
    active.keep_affordable(2 * B + 1);  // a step must leave a query to check it
    if (active.empty()) break;

    const int64_t n = active.size();
    // Each sample's coordinates come from its own generator (the same in any batch).
    auto keys = oracle.per_sample(active.indices(), [D](at::Generator& g, int64_t) { return at::rand({1, D}, g); });
    auto coords = std::get<1>(keys.topk(B, 1)).to(device);  // [n, B], distinct
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
      auto m = M.gather(1, coords), v = V.gather(1, coords);
      auto t = T.gather(1, coords) + 1;
      delta = -lr * adam_direction(m, v, g, t, {b1, b2});
      M.scatter_(1, coords, m);
      V.scatter_(1, coords, v);
      T.scatter_(1, coords, t);
    }
    auto eps = per_sample_eps(this->eps(), x0);
    xa = bounds.clip(threat().project(x0, xf.scatter_add(1, coords, delta).view_as(xa), eps));
  }
  return best.adversarials();
}

}  // namespace advlab
