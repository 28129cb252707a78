#include "advlab/attacks/blackbox/finite_differences.h"

#include "advlab/attacks/best_adversarial.h"
#include "advlab/attacks/blackbox/active_samples.h"
#include "advlab/attacks/blackbox/black_box_attack.h"
#include "advlab/attacks/blackbox/score_losses.h"

#include <torch/torch.h>

namespace advlab {

torch::Tensor antithetic_gradient(Oracle& oracle, const torch::Tensor& x, const torch::Tensor& local,
                                  const Criterion& criterion, const torch::Tensor& directions, double c,
                                  const std::string& loss) {
  const int64_t n = x.size(0), k = directions.size(1);
  auto center = x.unsqueeze(1);
  auto probes = oracle.bounds().clip(torch::cat({center + c * directions, center - c * directions}, 1));
  auto shape = x.sizes().vec();
  shape[0] = n * 2 * k;
  auto owner = torch::arange(n, torch::kLong).repeat_interleave(2 * k);  // probe -> sample
  auto logp = query_log_probabilities(oracle, probes.reshape(shape), local.index_select(0, owner));
  auto values = score_loss(loss, logp, *criterion.select(owner)).view({n, 2 * k});
  auto diff = (values.narrow(1, 0, k) - values.narrow(1, k, k)).to(x.device());  // [n, k]
  std::vector<int64_t> view = {n, k};
  for (int64_t d = 1; d < x.dim(); ++d) view.push_back(1);
  return (diff.view(view) * directions).sum(1) / (2 * c * static_cast<double>(k));
}

}  // namespace advlab


namespace advlab {

torch::Tensor estimated_descent(Oracle& oracle, const torch::Tensor& x, const Criterion& criterion,
                                const ThreatModel& threat, double eps, const EstimatedDescent& d) {
  const auto bounds = oracle.bounds();
  const int64_t pairs = d.samples / 2;
  const int64_t cost = 2 * pairs + 1;  // one estimate and one check of the new iterate
  auto device = x.device();
  BestAdversarial best(x);

  ActiveSamples active(oracle, criterion, cost);
  auto x0 = x.index_select(0, active.indices().to(device));
  auto xa = x0.clone();
  std::vector<torch::Tensor> state(static_cast<size_t>(d.state_tensors));  // fixed size: tracked by address
  for (auto& s : state) s = torch::zeros_like(xa);
  active.track(x0);
  active.track(xa);
  for (auto& s : state) active.track(s);

  for (int64_t it = 0;; ++it) {
    if (past_steps(it, d.steps)) break;
    active.keep_affordable(cost);
    if (active.empty()) break;
    oracle.note_iterations(it + 1);
    // Each sample's probe directions come from its own generator (the same in any batch).
    auto shape = xa.sizes().vec();
    shape.insert(shape.begin() + 1, pairs);
    shape[0] = 1;
    auto u = oracle.per_sample(active.indices(), [&](at::Generator& g, int64_t) { return d.directions(shape, g); })
                 .to(device);
    auto g = antithetic_gradient(oracle, xa, active.indices(), active.criterion(), u, d.probe_scale, d.loss);
    auto move = d.move(g, it, state);
    auto radius = per_sample_eps(eps, x0);
    xa = bounds.clip(threat.project(x0, xa - move, radius));
    auto adversarial = surely_adversarial(oracle, query_log_probabilities(oracle, xa, active.indices()), active.criterion());
    best.update(active.indices(), xa, adversarial);
    active.keep(~adversarial);
  }
  return best.adversarials();
}

}  // namespace advlab
