#include "advlab/attacks/blackbox/square.h"

#include "advlab/attacks/best_adversarial.h"
#include "advlab/attacks/blackbox/active_samples.h"
#include "advlab/attacks/blackbox/score_losses.h"
#include "advlab/core/error.h"
#include "advlab/threat/threat_model.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

namespace advlab {

namespace detail_square {

double square_fraction(double p_init, int64_t it, int64_t total) {
  const double i = total > 0 ? static_cast<double>(it) / static_cast<double>(total) * 10000.0
                             : static_cast<double>(it);
  static const double kHalvings[] = {10, 50, 200, 500, 1000, 2000, 4000, 6000, 8000};
  double p = p_init;
  for (double edge : kHalvings)
    if (i > edge) p = p / 2;
  return p;
}

namespace {

// Concentric rectangles of weight 1/(k+1)^power around the centre of an [a, b] patch.
torch::Tensor square_rectangles(int64_t a, int64_t b, int power) {
  auto delta = torch::zeros({a, b});
  if (a == 0 || b == 0) return delta;
  int64_t r = a / 2, c = b / 2;  // top-left corner of the current rectangle
  for (int64_t k = 0; k < std::max(a / 2 + 1, b / 2 + 1); ++k, --r, --c) {
    int64_t r0 = std::max<int64_t>(r, 0), r1 = std::min(r + 2 * k + 1, a);
    int64_t c0 = std::max<int64_t>(c, 0), c1 = std::min(c + 2 * k + 1, b);
    if (r1 > r0 && c1 > c0) delta.slice(0, r0, r1).slice(1, c0, c1) += 1.0 / std::pow(double(k + 1), power);
  }
  return delta;
}

// t scaled to unit Lp norm (p = 1 or 2).
torch::Tensor square_unit(const torch::Tensor& t, int p) {
  auto norm = (p == 1 ? t.abs().sum() : t.norm()).item<double>();
  return norm > 0 ? t / norm : t;
}

// Two halves of opposite sign, each rectangles of weight 1/(k+1)^power, unit Lp norm.
torch::Tensor square_pattern(int64_t s, bool transpose, int p, int power) {
  auto delta = torch::zeros({s, s});
  delta.slice(0, 0, s / 2).copy_(square_unit(square_rectangles(s / 2, s, power), p));
  delta.slice(0, s / 2, s).copy_(-square_unit(square_rectangles(s - s / 2, s, power), p));
  delta = square_unit(delta, p);
  return transpose ? delta.t().contiguous() : delta;
}

}  // namespace

torch::Tensor square_l2_pattern(int64_t s, bool transpose) { return square_pattern(s, transpose, 2, 2); }

// The L1 attack's blocks fall off faster, 1/(k+1)^4 (AutoAttack's L1 Square).
torch::Tensor square_l1_pattern(int64_t s, bool transpose) { return square_pattern(s, transpose, 1, 4); }

}  // namespace detail_square

namespace {

using detail_square::square_l1_pattern;
using detail_square::square_l2_pattern;

// pattern [s, s] placed at per-sample corners (vh, vw) of an H x W image: [n, 1, H, W].
torch::Tensor square_place(const torch::Tensor& pattern, const torch::Tensor& vh, const torch::Tensor& vw,
                           int64_t H, int64_t W) {
  const int64_t s = pattern.size(0);
  auto r = torch::arange(H).unsqueeze(0) - vh.unsqueeze(1);  // [n, H]
  auto c = torch::arange(W).unsqueeze(0) - vw.unsqueeze(1);  // [n, W]
  auto inside = ((r >= 0) & (r < s)).unsqueeze(2) & ((c >= 0) & (c < s)).unsqueeze(1);
  auto values = pattern.index({r.clamp(0, s - 1).unsqueeze(2), c.clamp(0, s - 1).unsqueeze(1)});
  return (values * inside).unsqueeze(1);
}

// Where the numbers come from: every draw is per sample (sample_random.h), so a sample's
// squares do not depend on its batch.
struct SquareDraws {
  Oracle& oracle;
  torch::Tensor local;  // the active samples: indices into the oracle's batch

  // For each of `rows` (positions in local; undefined = all), a tensor of `shape` from
  // that sample's generator: [n, shape...].
  torch::Tensor signs(std::vector<int64_t> shape, const torch::Tensor& rows = {}) {
    int64_t k = 1;
    for (auto v : shape) k *= v;
    shape.insert(shape.begin(), -1);
    return oracle.per_sample_signs(pick(rows), k).view(shape);
  }
  torch::Tensor uniform(int64_t k) { return oracle.per_sample_uniform(local, k); }

 private:
  torch::Tensor pick(const torch::Tensor& rows) const {
    return rows.defined() ? local.index_select(0, rows.to(torch::kCPU)) : local;
  }
};

// Per-sample sum over the given dims, kept for broadcasting.
torch::Tensor square_sum_sq(const torch::Tensor& t, std::vector<int64_t> dims) {
  return t.pow(2).sum(dims, /*keepdim=*/true);
}

// The two norms as strategies: a starting point and a proposal from the current best.
struct SquareStrategy {
  torch::Tensor (*init)(const torch::Tensor& x0, double eps, const Bounds& bounds, SquareDraws& draws);
  torch::Tensor (*propose)(const torch::Tensor& x0, const torch::Tensor& xb, double eps, double p,
                           const Bounds& bounds, SquareDraws& draws);
};

torch::Tensor square_linf_init(const torch::Tensor& x0, double eps, const Bounds& /*bounds*/, SquareDraws& draws) {
  // Vertical stripes: one sign per column and channel.
  auto stripes = draws.signs({x0.size(1), 1, x0.size(3)}).to(x0.device());
  return x0 + eps * stripes;
}

// The side of the L-inf square covering about a fraction p of an H x W image.
int64_t square_linf_side(double p, int64_t H, int64_t W) {
  const int64_t side_max = std::max<int64_t>(std::min(H, W) - 1, 1);
  return std::clamp<int64_t>(std::llround(std::sqrt(p * double(H * W))), 1, side_max);
}

// Each sample's square corner: row, then column, from its two uniform draws.
std::pair<torch::Tensor, torch::Tensor> square_linf_corners(SquareDraws& draws, int64_t s, int64_t H, int64_t W) {
  auto u = draws.uniform(2);
  auto vh = (u.select(1, 0) * double(H - s + 1)).floor().to(torch::kLong).clamp(0, H - s);
  auto vw = (u.select(1, 1) * double(W - s + 1)).floor().to(torch::kLong).clamp(0, W - s);
  return {vh.contiguous(), vw.contiguous()};
}

// square_linf_propose on contiguous float32 CPU tensors, writing each sample's square
// only: the same draws in the same order and the same float operations (x0 + eps * sign,
// clamped; a change is a difference above 1e-7), so the same candidates bit for bit. The
// tensor version spends about 20 whole-image operations a query, most of Square's own
// time once the squares are small.
torch::Tensor square_linf_propose_in_place(const torch::Tensor& x0, const torch::Tensor& xb, double eps, double p,
                                           const Bounds& bounds, SquareDraws& draws) {
  const int64_t n = x0.size(0), C = x0.size(1), H = x0.size(2), W = x0.size(3);
  const int64_t s = square_linf_side(p, H, W);
  const auto [vh, vw] = square_linf_corners(draws, s, H, W);
  auto candidate = xb.clone();
  const float e = static_cast<float>(eps), lo = static_cast<float>(bounds.lower), hi = static_cast<float>(bounds.upper);
  const float* x0p = x0.data_ptr<float>();
  const float* xbp = xb.data_ptr<float>();
  float* out = candidate.data_ptr<float>();
  const int64_t* rows_at = vh.data_ptr<int64_t>();
  const int64_t* cols_at = vw.data_ptr<int64_t>();
  std::vector<int64_t> todo(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) todo[static_cast<size_t>(i)] = i;
  // Resample the signs of a square that would change nothing (as the reference does),
  // drawing only for those samples so that no sample's draws depend on another's.
  for (int tries = 0; tries < 10 && !todo.empty(); ++tries) {
    auto sign = draws.signs({C}, torch::tensor(todo, torch::kLong)).contiguous();
    const float* sp = sign.data_ptr<float>();
    std::vector<int64_t> unchanged;
    for (size_t j = 0; j < todo.size(); ++j) {
      const int64_t i = todo[j];
      bool changed = false;
      for (int64_t c = 0; c < C; ++c) {
        const float step = e * sp[static_cast<int64_t>(j) * C + c];
        const int64_t plane = (i * C + c) * H * W;
        for (int64_t r = rows_at[i]; r < rows_at[i] + s; ++r)
          for (int64_t q = cols_at[i]; q < cols_at[i] + s; ++q) {
            const int64_t k = plane + r * W + q;
            const float v = std::min(std::max(x0p[k] + step, lo), hi);
            out[k] = v;
            changed = changed || std::fabs(v - xbp[k]) > 1e-7f;
          }
      }
      if (!changed) unchanged.push_back(i);
    }
    todo = std::move(unchanged);
  }
  return candidate;
}

torch::Tensor square_linf_propose(const torch::Tensor& x0, const torch::Tensor& xb, double eps, double p,
                                  const Bounds& bounds, SquareDraws& draws) {
  const bool in_place = x0.device().is_cpu() && xb.device().is_cpu() && x0.scalar_type() == torch::kFloat &&
                        xb.scalar_type() == torch::kFloat && x0.is_contiguous() && xb.is_contiguous();
  if (in_place) return square_linf_propose_in_place(x0, xb, eps, p, bounds, draws);
  const int64_t n = x0.size(0), C = x0.size(1), H = x0.size(2), W = x0.size(3);
  const int64_t s = square_linf_side(p, H, W);
  const auto [vh, vw] = square_linf_corners(draws, s, H, W);
  auto mask = square_place(torch::ones({s, s}), vh, vw, H, W).to(x0.device()) > 0;
  auto candidate = xb.clone();
  auto todo = torch::ones({n}, torch::kBool).to(x0.device());
  // Resample the signs of a square that would change nothing (as the reference does),
  // drawing only for those samples so that no sample's draws depend on another's.
  for (int tries = 0; tries < 10 && todo.any().item<bool>(); ++tries) {
    auto redraw = todo.nonzero().squeeze(1).to(torch::kCPU);
    auto sign = torch::zeros({n, C, 1, 1}).index_copy_(0, redraw, draws.signs({C, 1, 1}, redraw)).to(x0.device());
    auto proposal = torch::where(mask, bounds.clip(x0 + eps * sign), xb);
    candidate = torch::where(expand_like(todo, xb).to(torch::kBool), proposal, candidate);
    todo = ~flat((candidate - xb).abs() > 1e-7).any(1);
  }
  return candidate;
}

// Per-sample L1 mass over the given dims, kept for broadcasting.
torch::Tensor square_sum_abs(const torch::Tensor& t, std::vector<int64_t> dims) {
  return t.abs().sum(dims, /*keepdim=*/true);
}

// What tells the L2 and L1 searches apart: the pattern of a block and how a
// perturbation's size is measured (mass = ||.||^p, root/raise between mass and norm).
struct SquareNorm {
  torch::Tensor (*pattern)(int64_t s, bool transpose);
  torch::Tensor (*mass)(const torch::Tensor& t, std::vector<int64_t> dims);  // ||.||^p over dims
  int p;
  torch::Tensor root(const torch::Tensor& m) const { return p == 2 ? m.sqrt() : m; }
  torch::Tensor raise(const torch::Tensor& v) const { return p == 2 ? v.pow(2) : v; }
  double power(double v) const { return p == 2 ? v * v : v; }
};
const SquareNorm kSquareL2{square_l2_pattern, square_sum_sq, 2};
const SquareNorm kSquareL1{square_l1_pattern, square_sum_abs, 1};

// pattern (or its transpose where `transpose` [n] is true) at per-sample corners: [n, 1, H, W].
torch::Tensor square_place_pattern(const SquareNorm& norm, int64_t s, const torch::Tensor& transpose,
                                   const torch::Tensor& vh, const torch::Tensor& vw, int64_t H, int64_t W) {
  auto plain = square_place(norm.pattern(s, false), vh, vw, H, W);
  auto turned = square_place(norm.pattern(s, true), vh, vw, H, W);
  return torch::where(transpose.view({-1, 1, 1, 1}), turned, plain);
}

// A grid of centred pseudo-Gaussian blocks of side H/5, each with a random orientation
// and random signs per sample: [n, C, H, W], each block of unit norm per channel.
torch::Tensor square_block_grid(const SquareNorm& norm, const torch::Tensor& x0, SquareDraws& draws) {
  const int64_t n = x0.size(0), C = x0.size(1), H = x0.size(2), W = x0.size(3);
  const int64_t s = std::max<int64_t>(std::min(H, W) / 5, 1);
  const int64_t top = (H - s * (H / s)) / 2, left = (W - s * (W / s)) / 2;
  const int64_t blocks = (H / s) * (W / s);
  auto turn = draws.uniform(blocks) > 0.5;        // [n, blocks]
  auto signs = draws.signs({blocks, C, 1, 1});  // [n, blocks, C, 1, 1]
  auto delta = torch::zeros({n, C, H, W});
  int64_t b = 0;
  for (int64_t h = top; h + s <= H; h += s)
    for (int64_t w = left; w + s <= W; w += s, ++b) {
      auto block = torch::where(turn.select(1, b).view({n, 1, 1, 1}), norm.pattern(s, true).view({1, 1, s, s}),
                                norm.pattern(s, false).view({1, 1, s, s}));
      delta.slice(2, h, h + s).slice(3, w, w + s) += block * signs.select(1, b);
    }
  return delta;
}

torch::Tensor square_l2_init(const torch::Tensor& x0, double eps, const Bounds& /*bounds*/, SquareDraws& draws) {
  auto delta = square_block_grid(kSquareL2, x0, draws);
  auto norm = square_sum_sq(delta, {1, 2, 3}).sqrt().clamp_min(1e-12);
  return x0 + (delta * eps / norm).to(x0.device());
}

// The L1 ball within the box, built once rather than at every query.
const ThreatModel& square_l1_ball() {
  static const auto l1 = make_threat_model("l1");
  return *l1;
}

torch::Tensor square_l1_init(const torch::Tensor& x0, double eps, const Bounds& bounds, SquareDraws& draws) {
  // The grid as it is (unit L1 mass per block), projected onto the ball within the box:
  // the projection's soft threshold keeps the blocks' centres, a sparse start.
  auto delta = square_block_grid(kSquareL1, x0, draws).to(x0.device());
  return square_l1_ball().project_in_box(x0, x0 + delta, per_sample_eps(eps, x0), bounds.lower, bounds.upper);
}

// One step of the L2/L1 search: window 1 gets a fresh block plus its own perturbation,
// rescaled to carry the mass of windows 1 and 2 and what the budget still allows; window 2
// is emptied. Returns the new perturbation, still to be brought back to eps.
torch::Tensor square_move_mass(const SquareNorm& norm, const torch::Tensor& x0, const torch::Tensor& xb, double eps,
                               double p, SquareDraws& draws) {
  const int64_t C = x0.size(1), H = x0.size(2), W = x0.size(3);
  int64_t s = std::max<int64_t>(std::llround(std::sqrt(p * double(H * W))), 3);
  if (s % 2 == 0) ++s;
  s = std::min(s, std::min(H, W));
  auto delta = (xb - x0).to(torch::kCPU);
  // Per sample: two window corners, the new block's orientation, then its signs.
  auto u = draws.uniform(5);
  auto corner = [&](int64_t k, int64_t side) {
    return (u.select(1, k) * double(side - s + 1)).floor().to(torch::kLong).clamp(0, side - s);
  };
  auto vh1 = corner(0, H), vw1 = corner(1, W);  // receives the new perturbation
  auto vh2 = corner(2, H), vw2 = corner(3, W);  // gives its mass to window 1
  auto transpose = u.select(1, 4) > 0.5;
  auto ones = torch::ones({s, s});
  auto m1 = square_place(ones, vh1, vw1, H, W);
  auto m12 = torch::maximum(m1, square_place(ones, vh2, vw2, H, W));
  auto size = [&](const torch::Tensor& t, std::vector<int64_t> dims) { return norm.root(norm.mass(t, dims)); };
  auto norm_w1 = size(delta * m1, {2, 3});         // [n, C, 1, 1]
  auto norm_image = size(delta, {1, 2, 3});        // [n, 1, 1, 1]
  auto norm_w12 = size(delta * m12, {2, 3});       // [n, C, 1, 1]
  auto fresh = square_place_pattern(norm, s, transpose, vh1, vw1, H, W) * draws.signs({C, 1, 1});
  fresh = fresh + delta * m1 / (norm_w1 + 1e-10);
  // Window 1 gets the mass of both windows plus whatever the eps budget still allows.
  auto target = norm.root((norm.power(eps) - norm.raise(norm_image)).clamp_min(0) / double(C) + norm.raise(norm_w12));
  fresh = fresh / size(fresh, {2, 3}).clamp_min(1e-12) * target;
  return delta * (1 - m12) + fresh;
}

torch::Tensor square_l2_propose(const torch::Tensor& x0, const torch::Tensor& xb, double eps, double p,
                                const Bounds& /*bounds*/, SquareDraws& draws) {
  auto updated = square_move_mass(kSquareL2, x0, xb, eps, p, draws);
  auto norm = square_sum_sq(updated, {1, 2, 3}).sqrt().clamp_min(1e-12);
  return x0 + (updated * eps / norm).to(x0.device());
}

torch::Tensor square_l1_propose(const torch::Tensor& x0, const torch::Tensor& xb, double eps, double p,
                                const Bounds& bounds, SquareDraws& draws) {
  // Onto the L1 ball within the box: rescaling, then clipping, would lose budget to the box.
  auto updated = square_move_mass(kSquareL1, x0, xb, eps, p, draws).to(x0.device());
  return square_l1_ball().project_in_box(x0, x0 + updated, per_sample_eps(eps, x0), bounds.lower, bounds.upper);
}

}  // namespace

double SquareOptions::initial_fraction() const {
  if (p_init() > 0) return p_init();
  return norm() == "l2" ? 0.1 : 0.8;
}

const ParamTable<SquareOptions>& SquareOptions::table() {
  static const auto table = ParamTable<SquareOptions>("square", SquareOptions(0))
      .add("eps", ADVLAB_FIELD(eps), "perturbation budget").at_least(0).required()
      .add("norm", ADVLAB_FIELD(norm), "threat model").one_of({"linf", "l2", "l1"})
      .add("queries", ADVLAB_FIELD(queries), "per-sample query budget, the clean check included; 0 = unlimited (needs steps)").at_least(0)
      .add("steps", ADVLAB_FIELD(steps), "most iterations; 0 = until the queries run out").at_least(0)
      .add("output", ADVLAB_FIELD(output), "what the oracle answers").one_of({"probs", "logits"})
      .add("p_init", ADVLAB_FIELD(p_init), "fraction of the image the first squares cover; 0 = 0.8 (linf, l1), 0.1 (l2)")
      .at_least(0).at_most(1);
  return table;
}

SquareAttack::SquareAttack(SquareOptions options)
    : BlackBoxAttack("square", options.eps(), options.norm(), parse_score_output("square", options.output()),
                     options.queries()),
      options_(std::move(options)) {
  SquareOptions::table().validate(options_);
  require_stopping_rule("square", options_.queries(), options_.steps());
}

nlohmann::json SquareAttack::options_json() const {
  auto j = SquareOptions::table().to_json(options_);
  j["p_init"] = options_.initial_fraction();  // the value in effect
  return j;
}

torch::Tensor SquareAttack::attack(Oracle& oracle, const torch::Tensor& x, const Criterion& criterion) {
  require_stopping_rule("square", query_budget(), options_.steps());
  ADVLAB_CHECK(x.dim() == 4, "square: inputs must be images [N, C, H, W], got ", x.sizes());
  const SquareStrategy strategy = threat().name() == "l2"   ? SquareStrategy{square_l2_init, square_l2_propose}
                                  : threat().name() == "l1" ? SquareStrategy{square_l1_init, square_l1_propose}
                                                            : SquareStrategy{square_linf_init, square_linf_propose};
  SquareDraws draws{oracle, {}};
  const auto bounds = oracle.bounds();
  const double eps = this->eps();
  const double p_init = options_.initial_fraction();
  auto device = x.device();
  BestAdversarial best(x);

  ActiveSamples active(oracle, criterion, 1);
  auto x0 = x.index_select(0, active.indices().to(device));
  draws.local = active.indices();
  auto xb = bounds.clip(strategy.init(x0, eps, bounds, draws));
  auto logp = query_log_probabilities(oracle, xb, active.indices());
  auto margin = score_margin(logp, active.criterion());
  auto adversarial = surely_adversarial(oracle, logp, active.criterion());
  best.update(active.indices(), xb, adversarial);
  for (auto* state : {&x0, &xb, &margin}) active.track(*state);
  active.keep(~adversarial);

  for (int64_t it = 0; !active.empty(); ++it) {
    if (past_steps(it, options_.steps())) break;
    active.keep_affordable(1);  // out of queries: done
    if (active.empty()) break;
    oracle.note_iterations(it + 1);
    auto p = detail_square::square_fraction(p_init, it, schedule_length(query_budget(), options_.steps()));
    draws.local = active.indices();
    auto candidate = bounds.clip(strategy.propose(x0, xb, eps, p, bounds, draws));
    logp = query_log_probabilities(oracle, candidate, active.indices());
    auto m = score_margin(logp, active.criterion());
    adversarial = surely_adversarial(oracle, logp, active.criterion());
    auto better = (m < margin) | adversarial;
    xb = torch::where(expand_like(better.to(device), xb).to(torch::kBool), candidate, xb);
    margin = torch::where(better, m, margin);
    best.update(active.indices(), candidate, adversarial);
    active.keep(~adversarial);
  }
  return best.adversarials();
}

}  // namespace advlab
