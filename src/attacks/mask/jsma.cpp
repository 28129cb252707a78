#include "advlab/attacks/mask/jsma.h"

#include "advlab/attacks/best_adversarial.h"
#include "advlab/attacks/mask/l0_prune.h"
#include "advlab/core/error.h"
#include "advlab/core/whole_count.h"

#include <torch/torch.h>

#include <cmath>
#include <limits>

namespace advlab {

namespace detail_jsma {

constexpr double kNegInf = -std::numeric_limits<double>::infinity();
// Elements of one [chunk, D, D] pair-score tensor: bounds the pair search's memory.
constexpr int64_t kPairElements = 1 << 20;

// For a batch of 2m copies of m inputs: rows [0, m) give the target logit z_t, rows
// [m, 2m) the sum of the other logits, so one backward pass yields both gradients.
// Untargeted, t is the most likely class other than the true label at this input.
class TargetAndOthers : public AttackLoss {
 public:
  explicit TargetAndOthers(int64_t m) : m_(m) {}
  std::string name() const override { return "jsma-saliency"; }
  torch::Tensor operator()(const torch::Tensor& logits, const Criterion& criterion) const override {
    auto cls = criterion.classes().to(logits.device()).view({-1, 1});
    auto target = criterion.targeted()
                      ? cls
                      : logits.detach().scatter(1, cls, -std::numeric_limits<float>::infinity()).argmax(1, true);
    auto zt = logits.gather(1, target).squeeze(1);
    auto others = logits.sum(1) - zt;
    auto first = torch::arange(logits.size(0), cls.options()) < m_;
    return torch::where(first, zt, others);
  }

 private:
  int64_t m_;
};

// Flat index of the best entry of each row of score [n, E]: the first one under `score`,
// or under `fallback` where no entry of `score` is finite.
torch::Tensor best_index(const torch::Tensor& score, const torch::Tensor& fallback) {
  auto index = score.argmax(1);
  auto top = score.gather(1, index.unsqueeze(1)).squeeze(1);
  return torch::where(top > kNegInf, index, fallback.argmax(1));
}

struct PairSearch {
  torch::Tensor p, q, score;
};

// Exhaustive pair search among candidate coordinates: idx int64 [n, M] (ascending, so the
// first best pair is the first in (p, q) order), use bool [n, M] marks real candidates.
// Returns (p, q) as coordinate indices and the best valid score (-inf where no pair meets
// the sign conditions; there the pair with the largest a - b is returned when
// `fallback`). a, b: gradients with the sign of theta folded in.
// twins > 0: candidates i and i + twins are one coordinate moved two ways, never paired.
PairSearch search_pairs(const torch::Tensor& a, const torch::Tensor& b, const torch::Tensor& idx,
                        const torch::Tensor& use, bool fallback, int64_t twins) {
  const int64_t n = idx.size(0), m = idx.size(1);
  PairSearch out{torch::zeros({n}, idx.options()), torch::zeros({n}, idx.options()),
                 torch::full({n}, kNegInf, a.options())};
  // In c = -b the conditions read a_p + a_q > 0 and c_p + c_q > 0, and the score is
  // max(a_p + a_q, 0) * max(c_p + c_q, 0): positive exactly for valid pairs. Unused
  // candidates get -kHuge, so every pair with one of them scores 0.
  constexpr float kHuge = 1e30f;
  const int64_t chunk = std::max<int64_t>(1, kPairElements / std::max<int64_t>(1, m * m));
  for (int64_t start = 0; start < n; start += chunk) {
    const int64_t c = std::min(chunk, n - start);
    auto ic = idx.narrow(0, start, c);
    auto unused = use.narrow(0, start, c).logical_not();
    auto ac = a.narrow(0, start, c).gather(1, ic).masked_fill(unused, -kHuge);
    auto cc = (-b.narrow(0, start, c)).gather(1, ic).masked_fill(unused, -kHuge);
    auto score = (ac.unsqueeze(2) + ac.unsqueeze(1)).clamp_min_(0);  // [c, M, M]
    score.mul_((cc.unsqueeze(2) + cc.unsqueeze(1)).clamp_min_(0));
    score.diagonal(0, 1, 2).zero_();  // p != q
    if (twins > 0) score.masked_fill_((ic.unsqueeze(2) - ic.unsqueeze(1)).abs() == twins, 0);
    auto flat_score = score.view({c, -1});
    auto index = flat_score.argmax(1);  // the first best pair, p < q (the scores are symmetric)
    auto top = flat_score.gather(1, index.unsqueeze(1)).squeeze(1);
    auto p = torch::div(index, m, "floor"), q = index.remainder(m);
    auto none = top <= 0;
    if (fallback && none.any().item<bool>()) {
      // Rare: no pair meets the signs. Take the largest (a_p + a_q) + (c_p + c_q), which
      // is separable: the two best coordinates by a + c.
      auto two = std::get<1>((ac + cc).topk(2, 1));
      auto lo = std::get<0>(two.min(1)), hi = std::get<0>(two.max(1));
      p = torch::where(none, lo, p);
      q = torch::where(none, hi, q);
    }
    out.p.narrow(0, start, c).copy_(ic.gather(1, p.unsqueeze(1)).squeeze(1));
    out.q.narrow(0, start, c).copy_(ic.gather(1, q.unsqueeze(1)).squeeze(1));
    out.score.narrow(0, start, c).copy_(torch::where(none, torch::full_like(top, kNegInf), top));
  }
  return out;
}

// Candidates kept for the first, cheap search: the top coordinates by a and by -b.
constexpr int64_t kShortlist = 48;

}  // namespace detail_jsma

std::pair<torch::Tensor, torch::Tensor> jsma_choose(const torch::Tensor& alpha, const torch::Tensor& beta,
                                                    const torch::Tensor& domain, const torch::Tensor& single,
                                                    bool increase, int64_t twins) {
  using namespace detail_jsma;
  // Decreasing mirrors increasing: flip both gradients and the conditions read the same.
  const double sign = increase ? 1.0 : -1.0;
  auto a = (sign * alpha).to(torch::kFloat32);
  auto b = (sign * beta).to(torch::kFloat32);
  const int64_t n = a.size(0), d = a.size(1);
  auto dom = domain.to(a.device(), torch::kBool);
  auto neg_inf = torch::full_like(a, kNegInf);

  // Single coordinates.
  auto ok1 = (a > 0) & (b < 0) & dom;
  auto p1 = best_index(torch::where(ok1, -a * b, neg_inf), torch::where(dom, a - b, neg_inf));

  // Pairs, exact but pruned. A valid pair (p, q) scores (a_p + a_q)(-b_p - b_q), with both
  // factors positive, so at most U_p = (a_p + A)(B - b_p) where A = max a and B = max -b
  // over the domain. Any valid pair found (from a shortlist) gives a lower bound L on the
  // best score; coordinates with U_p < L cannot be in the best pair.
  auto idx_all = torch::arange(d, torch::TensorOptions().dtype(torch::kLong).device(a.device())).expand({n, d});
  const int64_t k = std::min(kShortlist, d);
  auto short_idx = std::get<0>(
      torch::cat({std::get<1>(torch::where(dom, a, neg_inf).topk(k, 1)),
                  std::get<1>(torch::where(dom, -b, neg_inf).topk(k, 1))}, 1).sort(1));
  // A coordinate in both top lists appears twice: use it once.
  auto repeated = torch::cat({torch::zeros({n, 1}, dom.options()),
                              short_idx.narrow(1, 1, 2 * k - 1) == short_idx.narrow(1, 0, 2 * k - 1)}, 1);
  auto first = search_pairs(a, b, short_idx, dom.gather(1, short_idx) & ~repeated, false, twins);
  auto big_a = torch::where(dom, a, neg_inf).amax(1, true);
  auto big_b = torch::where(dom, -b, neg_inf).amax(1, true);
  auto fa = a + big_a, fb = big_b - b;
  auto bound = torch::where((fa > 0) & (fb > 0) & dom, fa * fb, neg_inf);
  // Round-off slack: never prune a coordinate whose bound is within 1e-5 of L. (Samples
  // whose shortlist has no valid pair keep L = -inf and are searched in full.)
  auto lower = first.score.unsqueeze(1);
  auto keep = dom & (bound >= lower - 1e-5 * lower.abs());
  auto counts = keep.sum(1);
  auto prunable = first.score > kNegInf;
  auto p2 = first.p.clone(), q2 = first.q.clone();
  auto rows = prunable.nonzero().squeeze(1);
  if (rows.numel() > 0) {
    // Samples sorted by how many coordinates they keep, and searched in groups of similar
    // size, so that a few large sets do not pad every small one.
    auto sorted = counts.index_select(0, rows).sort();
    rows = rows.index_select(0, std::get<1>(sorted));
    auto sizes = std::get<0>(sorted).to(torch::kCPU);
    auto size_of = sizes.accessor<int64_t, 1>();
    const int64_t total = rows.numel();
    for (int64_t start = 0; start < total;) {
      int64_t c = 1;
      while (start + c < total && (c + 1) * size_of[start + c] * size_of[start + c] <= kPairElements) ++c;
      const int64_t m = std::max<int64_t>(2, size_of[start + c - 1]);
      auto group = rows.narrow(0, start, c);
      // Kept coordinates first, in ascending order; the rest are padding.
      auto kept = keep.index_select(0, group);
      auto order = std::get<1>(((~kept).to(torch::kLong) * d + idx_all.narrow(0, 0, c)).sort(1)).narrow(1, 0, m);
      auto use = torch::arange(m, counts.options()).unsqueeze(0) < counts.index_select(0, group).unsqueeze(1);
      auto found =
          search_pairs(a.index_select(0, group), b.index_select(0, group), order.contiguous(), use, false, twins);
      p2.index_copy_(0, group, found.p);
      q2.index_copy_(0, group, found.q);
      start += c;
    }
  }
  rows = (~prunable).nonzero().squeeze(1);
  if (rows.numel() > 0) {  // no valid pair in the shortlist: search all pairs
    auto found = search_pairs(a.index_select(0, rows), b.index_select(0, rows),
                              idx_all.narrow(0, 0, rows.numel()).contiguous(), dom.index_select(0, rows), true, twins);
    p2.index_copy_(0, rows, found.p);
    q2.index_copy_(0, rows, found.q);
  }
  auto one = single.to(a.device(), torch::kBool);
  return {torch::where(one, p1, p2), torch::where(one, p1, q2)};
}

const ParamTable<JsmaOptions>& JsmaOptions::table() {
  static const auto table = ParamTable<JsmaOptions>("jsma", JsmaOptions())
      .add("eps", ADVLAB_FIELD(eps), "most changed coordinates; overrides gamma").at_least(0)
      .add("norm", ADVLAB_FIELD(norm), "threat model").one_of({"l0"})
      .add("theta", ADVLAB_FIELD(theta), "change per coordinate, fraction of the range; sign = direction, not 0")
      .at_least(-1).at_most(1)
      .add("gamma", ADVLAB_FIELD(gamma), "most changed coordinates, fraction of all").above(0).at_most(1)
      .add("mask", ADVLAB_FIELD(mask), "pixels the attack may change (see --mask)")
      .add("prune", ADVLAB_FIELD(prune), "changed coordinates tried for reversal per found adversarial (L0), 0 = none").at_least(0)
      .add("directions", ADVLAB_FIELD(directions),
           "theta: every coordinate moves in theta's direction (the paper); both: up or down by |theta|, whichever the saliency map prefers")
      .one_of({"theta", "both"});
  return table;
}

Jsma::Jsma(JsmaOptions options)
    : Attack("jsma", Budget::of("l0", options.eps())), options_(std::move(options)), mask_("jsma", options_.mask()) {
  const auto& o = options_;
  JsmaOptions::table().validate(o);
  ADVLAB_CHECK(std::isfinite(o.theta()) && o.theta() != 0 && std::abs(o.theta()) <= 1,
               "jsma: theta must be in [-1, 1] and non-zero (+1 increases, -1 decreases), got ", o.theta());
}

nlohmann::json Jsma::options_json() const {
  return JsmaOptions::table().to_json(options_);
}

int64_t Jsma::budget(int64_t coordinates) const {
  if (epsilon()) return whole_count(*epsilon(), coordinates);
  return std::max<int64_t>(1, static_cast<int64_t>(std::floor(options_.gamma() * coordinates)));
}

torch::Tensor Jsma::perturb(AttackContext& context, const torch::Tensor& x, const Criterion& criterion) {
  const auto bounds = context.bounds();
  const bool both = options_.directions() == "both";
  const bool increase = options_.theta() > 0;
  const double step = options_.theta() * (bounds.upper - bounds.lower);
  const double magnitude = std::abs(step);
  auto shape = x.sizes().vec();
  BestAdversarial best(x);

  auto adv = flat(x).clone();  // [m, D]: the samples still attacked
  const int64_t d = adv.size(1);
  const int64_t limit = budget(d);
  auto free = flat(mask_.movable(x)) > 0.5;  // inside the mask and not changed yet
  // Candidates: one per coordinate that can still move in theta's direction, or (both)
  // [raise every coordinate below the upper bound, lower every one above the lower].
  auto candidates = [&] {
    if (!both) return free & (increase ? adv < bounds.upper : adv > bounds.lower);
    return torch::cat({free & (adv < bounds.upper), free & (adv > bounds.lower)}, 1);
  };
  auto long_opts = torch::TensorOptions().dtype(torch::kLong).device(x.device());
  auto active = torch::arange(x.size(0), long_opts);
  auto changed = torch::zeros({x.size(0)}, long_opts);

  for (int64_t it = 0;; ++it) {
    const int64_t m = active.size(0);
    shape[0] = m;
    std::vector<int64_t> reps(shape.size(), 1);
    reps[0] = 2;
    auto rows = active.repeat(2);
    auto lg = context.loss_gradient(adv.view(shape).repeat(reps), detail_jsma::TargetAndOthers(m),
                                    *criterion.select(rows.to(torch::kCPU)), rows);
    auto is_adv = criterion.select(active.to(torch::kCPU))->is_adversarial(lg.logits.narrow(0, 0, m));
    best.update(active, adv.view(shape), is_adv);
    auto left = limit - changed;
    auto domain = candidates();
    auto keep = (~is_adv.to(x.device()) & (left > 0) & domain.any(1)).nonzero().squeeze(1);
    if (keep.numel() == 0) break;
    context.note_iterations(it + 1);

    auto grad = flat(lg.grad);
    auto alpha = grad.narrow(0, 0, m).index_select(0, keep);
    auto beta = grad.narrow(0, m, m).index_select(0, keep);
    active = active.index_select(0, keep);
    adv = adv.index_select(0, keep);
    free = free.index_select(0, keep);
    domain = domain.index_select(0, keep);
    changed = changed.index_select(0, keep);
    auto movable_coordinates = both ? (domain.narrow(1, 0, d) | domain.narrow(1, d, d)) : domain;
    auto single = (left.index_select(0, keep) == 1) | (movable_coordinates.sum(1) == 1);

    torch::Tensor moved, target;  // [k, 2] coordinates and their new values
    if (!both) {
      auto [p, q] = jsma_choose(alpha, beta, domain, single, increase);
      moved = torch::stack({p, q}, 1);
      target = (adv.gather(1, moved) + step).clamp(bounds.lower, bounds.upper);
    } else {
      // Each way weighted by how far the coordinate can go: the first-order change of the
      // logits when it moves there.
      auto up = (bounds.upper - adv).clamp_max(magnitude), down = (adv - bounds.lower).clamp_max(magnitude);
      auto a = torch::cat({alpha * up, -alpha * down}, 1), b = torch::cat({beta * up, -beta * down}, 1);
      auto [p, q] = jsma_choose(a, b, domain, single, true, d);
      q = torch::where(q.remainder(d) == p.remainder(d), p, q);  // the fallback's one coordinate both ways: one move
      auto chosen = torch::stack({p, q}, 1);
      moved = chosen.remainder(d);
      auto way = torch::where(chosen < d, torch::ones_like(chosen), -torch::ones_like(chosen)).to(adv.dtype());
      target = (adv.gather(1, moved) + way * magnitude).clamp(bounds.lower, bounds.upper);
    }
    // Move both coordinates (one when p == q) and take them out of the search.
    adv.scatter_(1, moved, target);
    free.scatter_(1, moved, false);
    changed = changed + 1 + (moved.select(1, 0) != moved.select(1, 1)).to(torch::kLong);
  }
  return prune_l0(context, x, best.adversarials(), best.found(), criterion, options_.prune());
}

}  // namespace advlab
