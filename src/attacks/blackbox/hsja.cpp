#include "advlab/attacks/blackbox/hsja.h"

#include "advlab/attacks/best_adversarial.h"
#include "advlab/attacks/blackbox/decision_start.h"
#include "advlab/core/error.h"

#include <torch/torch.h>

#include <cmath>
#include <functional>

namespace advlab {

namespace detail_hsja {

// Probes per sample in one oracle call of the gradient estimate: bounds memory at
// batch x 64 x pixels, and does not depend on the batch size.
constexpr int64_t kHsjaProbeChunk = 64;

// What differs between the L2 and L-inf versions (Chen et al., Sec. 4 and their code):
// the random probe distribution and the binary search's stopping tolerance.
struct NormRule {
  double theta = 0;
  std::function<torch::Tensor(c10::IntArrayRef, at::Generator&)> probe;
  std::function<torch::Tensor(const torch::Tensor& radius)> tolerance;
};

NormRule make_rule(const std::string& norm, int64_t dim, double gamma) {
  NormRule rule;
  const double d = static_cast<double>(dim);
  if (norm == "l2") {
    rule.theta = gamma / (d * std::sqrt(d));
    rule.probe = [](c10::IntArrayRef shape, at::Generator& gen) { return at::randn(shape, gen, torch::kFloat32); };
    // Relative: the search on the blend factor stops at theta.
    rule.tolerance = [theta = rule.theta](const torch::Tensor& r) { return r * theta; };
  } else {
    rule.theta = gamma / (d * d);
    rule.probe = [](c10::IntArrayRef shape, at::Generator& gen) {
      return 2 * at::rand(shape, gen, torch::kFloat32) - 1;
    };
    rule.tolerance = [theta = rule.theta](const torch::Tensor& r) { return (r * theta).clamp_max(theta); };
  }
  return rule;
}

// One attack over a batch; every tensor indexed by `rows` is over the batch's samples.
class HsjaRun {
 public:
  HsjaRun(Oracle& oracle, const torch::Tensor& x, const Criterion& criterion, const ThreatModel& threat,
          NormRule rule)
      : oracle_(oracle), x_(x), criterion_(criterion), threat_(threat), rule_(std::move(rule)),
        bounds_(oracle.bounds()), best_(x) {}

  BestAdversarial& best() { return best_; }

  // Queries a binary search needs to reach the tolerance from radius r.
  torch::Tensor search_cost(const torch::Tensor& r) const {
    auto ratio = (r / rule_.tolerance(r).clamp_min(1e-30)).clamp_min(1);
    return torch::ceil(torch::log2(ratio)).to(torch::kLong) + 1;
  }

  // Binary search on the radius of the ball around x that p (adversarial) is projected
  // onto: returns the verified adversarial nearest x found and its distance.
  std::pair<torch::Tensor, torch::Tensor> to_boundary(const torch::Tensor& rows, const torch::Tensor& p) {
    auto dev = x_.device();
    auto x0 = x_.index_select(0, rows.to(dev));
    auto hi = threat_.distance(x0, p).to(torch::kCPU, torch::kFloat32);
    auto lo = torch::zeros_like(hi);
    auto tol = rule_.tolerance(hi);
    auto pts = p.clone();
    for (int it = 0; it < 200; ++it) {
      auto open = ((hi - lo) > tol) & (oracle_.remaining(rows) >= 1);
      auto pos = open.nonzero().squeeze(1);
      if (pos.numel() == 0) break;
      auto pos_dev = pos.to(dev);
      auto mid = (lo.index_select(0, pos) + hi.index_select(0, pos)) / 2;
      auto q = bounds_.clip(threat_.project(x0.index_select(0, pos_dev), p.index_select(0, pos_dev), mid.to(dev)));
      auto r = rows.index_select(0, pos);
      auto hit = oracle_.is_adversarial(q, *criterion_.select(r), r).to(torch::kCPU);
      hi.index_copy_(0, pos, torch::where(hit, mid, hi.index_select(0, pos)));
      lo.index_copy_(0, pos, torch::where(hit, lo.index_select(0, pos), mid));
      auto take = hit.nonzero().squeeze(1).to(dev);
      pts.index_copy_(0, pos_dev.index_select(0, take), q.index_select(0, take));
    }
    auto d = threat_.distance(x0, pts).to(torch::kCPU, torch::kFloat32);
    best_.update(rows, pts, torch::ones({rows.size(0)}, torch::kBool), d);
    return {pts, d};
  }

  // Unit-L2 estimate of the boundary's normal at pts (pointing to the adversarial side),
  // from `probes` random decisions per sample at radius delta, with the baseline
  // correction of Chen et al. (Theorem 2). Probes go in chunks to bound memory.
  torch::Tensor direction(const torch::Tensor& rows, const torch::Tensor& pts, const torch::Tensor& delta,
                          int64_t probes) {
    const int64_t m = rows.size(0);
    auto dev = x_.device();
    auto flat_pts = flat(pts);
    const int64_t d = flat_pts.size(1);
    auto s_frv = torch::zeros({m, d}, flat_pts.options());
    auto s_rv = torch::zeros({m, d}, flat_pts.options());
    auto s_f = torch::zeros({m}, torch::kFloat32);
    // Each sample draws its probes from its own generator, in chunks whose sizes do not
    // depend on the batch, so its directions are the same in any batch.
    const int64_t chunk = std::min<int64_t>(probes, kHsjaProbeChunk);
    auto delta_dev = delta.to(dev).view({m, 1, 1});
    for (int64_t done = 0; done < probes; done += chunk) {
      const int64_t b = std::min(chunk, probes - done);
      auto rv = oracle_.per_sample(rows, [&](at::Generator& g, int64_t) { return rule_.probe({1, b, d}, g); }).to(dev);
      rv = rv / rv.norm(2, {2}, true).clamp_min(1e-12);
      auto base = flat_pts.unsqueeze(1);
      auto pert = bounds_.clip(base + delta_dev * rv);
      rv = (pert - base) / delta_dev;
      auto rep = rows.repeat_interleave(b);
      auto shape = pts.sizes().vec();
      shape[0] = m * b;
      auto hit = oracle_.is_adversarial(pert.reshape(shape), *criterion_.select(rep), rep);
      auto fval = (2 * hit.to(dev, torch::kFloat32) - 1).view({m, b, 1});
      s_frv += (fval * rv).sum(1);
      s_rv += rv.sum(1);
      s_f += fval.view({m, b}).sum(1).to(torch::kCPU);
    }
    auto mean = s_f / static_cast<float>(probes);
    // All probes on one side: the mean probe direction (signed); else subtract the baseline.
    auto uniform = (mean.abs() >= 1 - 1e-6).to(dev).view({m, 1});
    auto grad = torch::where(uniform, s_frv, s_frv - mean.to(dev).view({m, 1}) * s_rv);
    grad = grad / grad.norm(2, {1}, true).clamp_min(1e-12);
    return grad.view_as(pts);
  }

  // Geometric step-size search (halving from dist / sqrt(t)) along `update`; returns the
  // positions (into rows) that found an adversarial step, and those points.
  std::pair<torch::Tensor, torch::Tensor> step(const torch::Tensor& rows, const torch::Tensor& pts,
                                               const torch::Tensor& update, const torch::Tensor& dist, int64_t t) {
    auto dev = x_.device();
    auto size = dist / std::sqrt(static_cast<double>(t));
    auto found = torch::zeros({rows.size(0)}, torch::kBool);
    auto out = pts.clone();
    for (int k = 0; k < 30; ++k) {
      auto pos = (~found & (oracle_.remaining(rows) >= 1)).nonzero().squeeze(1);
      if (pos.numel() == 0) break;
      auto pos_dev = pos.to(dev);
      auto s = expand_like(size.index_select(0, pos).to(dev), pts.index_select(0, pos_dev));
      auto cand = bounds_.clip(pts.index_select(0, pos_dev) + s * update.index_select(0, pos_dev));
      auto r = rows.index_select(0, pos);
      auto hit = oracle_.is_adversarial(cand, *criterion_.select(r), r).to(torch::kCPU);
      auto take = hit.nonzero().squeeze(1);
      out.index_copy_(0, pos_dev.index_select(0, take.to(dev)), cand.index_select(0, take.to(dev)));
      found.index_fill_(0, pos.index_select(0, take), true);
      size.index_copy_(0, pos, torch::where(hit, size.index_select(0, pos), size.index_select(0, pos) / 2));
    }
    auto moved = found.nonzero().squeeze(1);
    return {moved, out.index_select(0, moved.to(dev))};
  }

 private:
  Oracle& oracle_;
  const torch::Tensor& x_;
  const Criterion& criterion_;
  const ThreatModel& threat_;
  NormRule rule_;
  Bounds bounds_;
  BestAdversarial best_;
};

}  // namespace detail_hsja

const ParamTable<HsjaOptions>& HsjaOptions::table() {
  static const auto table = ParamTable<HsjaOptions>("hsja", HsjaOptions())
      .add("eps", ADVLAB_FIELD(eps), "budget; none = minimum-norm only").at_least(0)
      .add("norm", ADVLAB_FIELD(norm), "threat model").one_of({"l2", "linf"})
      .add("queries", ADVLAB_FIELD(queries), "per-sample query budget; 0 = unlimited").at_least(0)
      .add("output", ADVLAB_FIELD(output), "what the oracle answers").one_of({"label", "probs", "logits"})
      .add("steps", ADVLAB_FIELD(steps), "most iterations").at_least(1)
      .add("init_evals", ADVLAB_FIELD(init_evals), "probes in the first gradient estimate").at_least(1)
      .add("max_evals", ADVLAB_FIELD(max_evals), "cap on probes per estimate, >= init_evals").at_least(1)
      .add("gamma", ADVLAB_FIELD(gamma), "sets the binary-search tolerance and probe radius").above(0)
      .add("noise_tries", ADVLAB_FIELD(noise_tries), "uniform-noise draws to find a start").at_least(0)
      .add("starts", ADVLAB_FIELD(starts), "tensor file of candidate starting images (empty: noise)");
  return table;
}

Hsja::Hsja(HsjaOptions options)
    : BlackBoxAttack("hsja", options.eps(), options.norm(), parse_oracle_output(options.output()),
                     options.queries()),
      options_(std::move(options)) {
  HsjaOptions::table().validate(options_);
  ADVLAB_CHECK(options_.max_evals() >= options_.init_evals(), "hsja: max_evals must be >= init_evals (",
               options_.init_evals(), "), got ", options_.max_evals());
  if (!options_.starts().empty()) start_images_ = load_start_images(options_.starts(), "hsja");
}

nlohmann::json Hsja::options_json() const {
  return HsjaOptions::table().to_json(options_);
}

torch::Tensor Hsja::attack(Oracle& oracle, const torch::Tensor& x, const Criterion& criterion) {
  using namespace detail_hsja;
  const int64_t dim = flat(x).size(1);
  auto rule = make_rule(threat().name(), dim, options_.gamma());
  HsjaRun run(oracle, x, criterion, threat(), rule);
  auto dev = x.device();
  const double range = oracle.bounds().upper - oracle.bounds().lower;

  DecisionStartOptions start_options;
  start_options.starts = start_images_;
  start_options.noise_tries = options_.noise_tries();
  auto start = find_decision_starts(oracle, x, criterion, threat(), start_options);
  auto rows = start.found.nonzero().squeeze(1);
  if (rows.numel() == 0) return x;
  auto [pts0, dist0] = run.to_boundary(rows, start.points.index_select(0, rows.to(dev)));
  // Per-sample state of the samples that have a start, indexed by position in `rows`.
  auto pts = pts0;
  auto dist = dist0;

  for (int64_t t = 1; t <= options_.steps(); ++t) {
    // Done: out of budget for a useful iteration, or (eps given) within eps already.
    auto cost = run.search_cost(dist);
    auto left = oracle.remaining(rows);
    auto probes_left = left - cost - 1;  // keep one geometric step and a full search
    auto go = probes_left >= 4;
    if (epsilon()) go = go & (run.best().distance().index_select(0, rows.to(dev)).to(torch::kCPU) > *epsilon());
    auto pos = go.nonzero().squeeze(1);
    if (pos.numel() == 0) break;
    oracle.note_iterations(t);
    auto r = rows.index_select(0, pos);
    auto pos_dev = pos.to(dev);
    auto p = pts.index_select(0, pos_dev);
    auto dpos = dist.index_select(0, pos);
    auto delta = t == 1 ? torch::full_like(dpos, 0.1 * range) : dpos * (options_.gamma() / dim);

    const auto wanted = std::min<int64_t>(
        options_.max_evals(), static_cast<int64_t>(options_.init_evals() * std::sqrt(static_cast<double>(t))));
    auto probes = probes_left.index_select(0, pos).clamp_max(wanted);
    auto grad = torch::zeros_like(p);
    // Samples short of budget take fewer probes: one estimate per distinct count.
    auto counts = std::get<0>(at::_unique(probes));
    for (int64_t k = 0; k < counts.size(0); ++k) {
      int64_t b = counts[k].item<int64_t>();
      auto g = (probes == b).nonzero().squeeze(1);
      auto g_dev = g.to(dev);
      grad.index_copy_(0, g_dev, run.direction(r.index_select(0, g), p.index_select(0, g_dev),
                                               delta.index_select(0, g), b));
    }
    auto update = threat().normalize_grad(grad);
    auto [moved, cand] = run.step(r, p, update, dpos, t);
    if (moved.numel() == 0) continue;
    auto [np, nd] = run.to_boundary(r.index_select(0, moved), cand);
    auto at = pos.index_select(0, moved);
    pts.index_copy_(0, at.to(dev), np);
    dist.index_copy_(0, at, nd);
  }
  return run.best().adversarials();
}

}  // namespace advlab
