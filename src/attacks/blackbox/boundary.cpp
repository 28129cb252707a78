#include "advlab/attacks/blackbox/boundary.h"

#include "advlab/attacks/best_adversarial.h"
#include "advlab/attacks/blackbox/decision_start.h"
#include "advlab/core/error.h"

#include <torch/torch.h>

#include <cmath>

namespace advlab {

namespace detail_boundary {

// Success-rate windows for the step-size adaptation (Brendel et al. Sec. 3.2; window
// lengths shortened from foolbox's so the adaptation acts within a few thousand queries).
constexpr int64_t kStepWindow = 30;
constexpr int64_t kSphericalWindow = 10;
constexpr double kConverged = 1e-7;  // source step below which a sample stops

struct Proposals {
  torch::Tensor spherical, candidate;
};

// The orthogonal step on the sphere around x0 through adv, then the step towards x0
// (foolbox's construction, so the source step is exact after the spherical one), along
// `noise` (standard normal, [n, ...]).
Proposals propose(const torch::Tensor& x0, const torch::Tensor& adv, const torch::Tensor& sph,
                  const torch::Tensor& src, const Bounds& bounds, const torch::Tensor& noise) {
  auto dev = x0.device();
  auto fx = flat(x0), fa = flat(adv);
  auto source = fx - fa;
  auto source_norm = source.norm(2, {1}, true);
  auto source_dir = source / source_norm.clamp_min(1e-12);
  auto sph_d = sph.to(dev).view({-1, 1}), src_d = src.to(dev).view({-1, 1});
  auto pert = flat(noise).to(dev);
  pert = pert - (pert * source_dir).sum(1, true) * source_dir;
  pert = pert * (sph_d * source_norm / pert.norm(2, {1}, true).clamp_min(1e-12));
  auto shrink = 1 / torch::sqrt(sph_d * sph_d + 1);
  auto spherical = bounds.clip(fx + shrink * (pert - source));
  auto new_source = fx - spherical;
  auto new_norm = new_source.norm(2, {1}, true).clamp_min(1e-12);
  auto length = (src_d * source_norm + (new_norm - source_norm)).clamp_min(0) / new_norm;
  auto candidate = bounds.clip(spherical + length * new_source);
  return {spherical.view_as(x0), candidate.view_as(x0)};
}

// Multiplies `steps` at `rows` where the window's success rate is above `high`, divides
// where below `low`. Returns the mask of rows adapted.
void adapt(torch::Tensor& steps, const torch::Tensor& rate, const torch::Tensor& rows, double high,
           double low, double factor) {
  auto s = steps.index_select(0, rows);
  s = torch::where(rate > high, s * factor, torch::where(rate < low, s / factor, s));
  steps.index_copy_(0, rows, s);
}

}  // namespace detail_boundary

const ParamTable<BoundaryOptions>& BoundaryOptions::table() {
  static const auto table = ParamTable<BoundaryOptions>("boundary", BoundaryOptions())
      .add("eps", ADVLAB_FIELD(eps), "budget; none = minimum-norm only").at_least(0)
      .add("norm", ADVLAB_FIELD(norm), "threat model").one_of({"l2"})
      .add("queries", ADVLAB_FIELD(queries), "per-sample query budget; 0 = unlimited").at_least(0)
      .add("output", ADVLAB_FIELD(output), "what the oracle answers").one_of({"label", "probs", "logits"})
      .add("steps", ADVLAB_FIELD(steps), "most walk steps").at_least(1)
      .add("spherical_step", ADVLAB_FIELD(spherical_step), "orthogonal step, relative to the distance").above(0)
      .add("source_step", ADVLAB_FIELD(source_step), "step towards the sample, relative").above(0).below(1)
      .add("step_adaptation", ADVLAB_FIELD(step_adaptation), "factor the steps grow or shrink by").above(1)
      .add("stats_every", ADVLAB_FIELD(stats_every), "steps between checks of the orthogonal step alone").at_least(1)
      .add("init_search", ADVLAB_FIELD(init_search), "halvings of the blend towards the sample at the start").at_least(0)
      .add("noise_tries", ADVLAB_FIELD(noise_tries), "uniform-noise draws to find a start").at_least(0)
      .add("starts", ADVLAB_FIELD(starts), "tensor file of candidate starting images (empty: noise)");
  return table;
}

BoundaryAttack::BoundaryAttack(BoundaryOptions options)
    : BlackBoxAttack("boundary", options.eps(), options.norm(), parse_oracle_output(options.output()),
                     options.queries()),
      options_(std::move(options)) {
  BoundaryOptions::table().validate(options_);
  if (!options_.starts().empty()) start_images_ = load_start_images(options_.starts(), "boundary");
}

nlohmann::json BoundaryAttack::options_json() const {
  return BoundaryOptions::table().to_json(options_);
}

torch::Tensor BoundaryAttack::attack(Oracle& oracle, const torch::Tensor& x, const Criterion& criterion) {
  using namespace detail_boundary;
  const int64_t n = x.size(0);
  auto dev = x.device();
  auto bounds = oracle.bounds();

  DecisionStartOptions start_options;
  start_options.starts = start_images_;
  start_options.noise_tries = options_.noise_tries();
  auto start = find_decision_starts(oracle, x, criterion, threat(), start_options);
  BestAdversarial best(x);
  auto rows = start.found.nonzero().squeeze(1);
  if (rows.numel() == 0) return x;
  {
    auto r_dev = rows.to(dev);
    auto x0 = x.index_select(0, r_dev);
    auto blended = blend_search(oracle, x0, start.points.index_select(0, r_dev), criterion, rows,
                                options_.init_search());
    best.update(rows, blended, torch::ones({rows.size(0)}, torch::kBool), threat().distance(x0, blended));
  }

  auto sph = torch::full({n}, options_.spherical_step(), torch::kFloat32);
  auto src = torch::full({n}, options_.source_step(), torch::kFloat32);
  auto step_hits = torch::zeros({n}, torch::kFloat32), step_count = torch::zeros({n}, torch::kLong);
  auto sph_hits = torch::zeros({n}, torch::kFloat32), sph_count = torch::zeros({n}, torch::kLong);
  const double f = options_.step_adaptation();

  for (int64_t t = 1; t <= options_.steps(); ++t) {
    auto go = start.found & (oracle.remaining() >= 1) & (src >= kConverged);
    if (epsilon()) go = go & (best.distance().to(torch::kCPU) > *epsilon());
    auto r = go.nonzero().squeeze(1);
    if (r.numel() == 0) break;
    oracle.note_iterations(t);
    auto r_dev = r.to(dev);
    auto x0 = x.index_select(0, r_dev);
    auto cur = best.adversarials().index_select(0, r_dev);
    // Each sample's direction comes from its own generator (the same in any batch).
    auto noise = oracle.per_sample(r, [&](at::Generator& g, int64_t) {
      return at::randn(flat(x0.narrow(0, 0, 1)).sizes(), g, torch::kFloat32);
    });
    auto p = propose(x0, cur, sph.index_select(0, r), src.index_select(0, r), bounds, noise);

    auto crit = criterion.select(r);
    auto hit = oracle.is_adversarial(p.candidate, *crit, r).to(torch::kCPU);
    best.update(r, p.candidate, hit, threat().distance(x0, p.candidate));

    step_hits.index_add_(0, r, hit.to(torch::kFloat32));
    step_count.index_add_(0, r, torch::ones({r.size(0)}, torch::kLong));
    auto full = r.index_select(0, (step_count.index_select(0, r) >= kStepWindow).nonzero().squeeze(1));
    if (full.numel() > 0) {
      auto rate = step_hits.index_select(0, full) / kStepWindow;
      adapt(src, rate, full, 0.25, 0.1, f);
      step_hits.index_fill_(0, full, 0);
      step_count.index_fill_(0, full, 0);
    }

    if (t % options_.stats_every() != 0) continue;
    // The orthogonal step alone, checked only now and then (it costs a query).
    auto can = (oracle.remaining(r) >= 1).nonzero().squeeze(1);
    if (can.numel() == 0) continue;
    auto rs = r.index_select(0, can);
    auto sph_hit = oracle.is_adversarial(p.spherical.index_select(0, can.to(dev)), *criterion.select(rs), rs)
                       .to(torch::kCPU, torch::kFloat32);
    sph_hits.index_add_(0, rs, sph_hit);
    sph_count.index_add_(0, rs, torch::ones({rs.size(0)}, torch::kLong));
    auto sfull = rs.index_select(0, (sph_count.index_select(0, rs) >= kSphericalWindow).nonzero().squeeze(1));
    if (sfull.numel() > 0) {
      auto rate = sph_hits.index_select(0, sfull) / kSphericalWindow;
      adapt(sph, rate, sfull, 0.5, 0.2, f);
      adapt(src, rate, sfull, 0.5, 0.2, f);
      sph_hits.index_fill_(0, sfull, 0);
      sph_count.index_fill_(0, sfull, 0);
    }
  }
  return best.adversarials();
}

}  // namespace advlab
