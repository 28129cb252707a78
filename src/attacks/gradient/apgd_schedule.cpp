#include "advlab/attacks/gradient/apgd_schedule.h"

#include <algorithm>
#include <cmath>

namespace advlab::detail_apgd {

void ApgdState::select(const torch::Tensor& keep) {
  auto k = keep.to(x.device(), torch::kLong);
  for (auto* t : {&rows, &slots, &origin, &eps, &x, &x_prev, &grad, &x_best, &grad_best, &loss_best, &loss_prev,
                  &increases, &step, &reduced_last, &loss_best_last, &topk, &sparsity_old})
    if (t->defined()) *t = t->index_select(0, k.to(t->device()));
}

torch::Tensor apgd_constrain(const ThreatModel& threat, const Bounds& bounds, const ApgdState& state,
                             const torch::Tensor& v) {
  return threat.project(state.origin, bounds.clip(v), state.eps);
}

std::vector<int64_t> apgd_checkpoints(int64_t n_iter) {
  // p_0 = 0, p_1 = 0.22, p_{j+1} = p_j + max(p_j - p_{j-1} - 0.03, 0.06).
  std::vector<int64_t> w;
  double prev = 0, p = 0.22;
  while (true) {
    auto it = static_cast<int64_t>(std::ceil(p * static_cast<double>(n_iter) - 1e-9));
    if (it >= n_iter) break;
    if (it >= 1 && (w.empty() || it > w.back())) w.push_back(it);
    double next = p + std::max(p - prev - 0.03, 0.06);
    prev = p;
    p = next;
  }
  return w;
}

namespace {

torch::Tensor per_row(const torch::Tensor& v, const torch::Tensor& like) { return expand_like(v, like); }

// L-inf / L2: momentum and the checkpoint halving rule.
class ApgdCheckpointSchedule : public ApgdSchedule {
 public:
  ApgdCheckpointSchedule(std::shared_ptr<ThreatModel> threat, Bounds bounds, int64_t n_iter, double rho)
      : threat_(std::move(threat)), bounds_(bounds), checkpoints_(apgd_checkpoints(n_iter)), rho_(rho) {}

  void start(ApgdState& s) const override {
    s.step = 2.0 * s.eps.to(torch::kFloat);
    // "Not reduced" must not fire at the first checkpoint, which has no predecessor.
    s.reduced_last = torch::ones_like(s.eps, torch::kBool);
    s.loss_best_last = torch::full_like(s.eps, -std::numeric_limits<float>::infinity());
  }

  void after_evaluation(ApgdState& s, int64_t it) const override {
    auto found = std::find(checkpoints_.begin(), checkpoints_.end(), it);
    if (found == checkpoints_.end()) return;
    int64_t previous = found == checkpoints_.begin() ? 0 : *(found - 1);
    double window = static_cast<double>(it - previous);
    auto few_increases = s.increases.to(torch::kFloat) < rho_ * window;
    auto stalled = ~s.reduced_last & (s.loss_best <= s.loss_best_last);
    auto reduce = few_increases | stalled;
    s.step = torch::where(reduce, s.step / 2, s.step);
    auto r = per_row(reduce, s.x).to(torch::kBool);
    s.x = torch::where(r, s.x_best, s.x);
    s.grad = torch::where(r, s.grad_best, s.grad);
    s.reduced_last = reduce;
    s.loss_best_last = s.loss_best.clone();
    s.increases.zero_();
  }

  torch::Tensor next(const ApgdState& s, int64_t it) const override {
    const double a = it == 0 ? 1.0 : 0.75;
    auto z = apgd_constrain(*threat_, bounds_, s, s.x + per_row(s.step, s.x) * threat_->normalize_grad(s.grad));
    return apgd_constrain(*threat_, bounds_, s, s.x + a * (z - s.x) + (1 - a) * (s.x - s.x_prev));
  }

 private:
  std::shared_ptr<ThreatModel> threat_;
  Bounds bounds_;
  std::vector<int64_t> checkpoints_;
  double rho_;
};

// L1: sparse direction of adaptive density, step adapted to the sparsity of the best point.
class ApgdSparseSchedule : public ApgdSchedule {
 public:
  ApgdSparseSchedule(std::shared_ptr<ThreatModel> threat, Bounds bounds, int64_t n_iter)
      : threat_(std::move(threat)),
        bounds_(bounds),
        interval_(std::max<int64_t>(1, static_cast<int64_t>(0.04 * static_cast<double>(n_iter)))) {}

  void start(ApgdState& s) const override {
    s.step = s.eps.to(torch::kFloat).clone();
    s.topk = torch::full_like(s.step, 0.2);
    s.sparsity_old = torch::full_like(s.step, static_cast<float>(flat(s.x).size(1)));
  }

  void after_evaluation(ApgdState& s, int64_t it) const override {
    if (it == 0 || it % interval_ != 0) return;
    auto dim = static_cast<double>(flat(s.x).size(1));
    auto sparsity = flat(s.x_best - s.origin).ne(0).sum(1).to(torch::kFloat);
    auto sparser = sparsity / s.sparsity_old.clamp_min(1) < 0.95;
    s.topk = sparsity / dim / 1.5;
    auto eps = s.eps.to(torch::kFloat);
    s.step = torch::where(sparser, eps, s.step / 1.5);
    s.step = torch::max(torch::min(s.step, eps), eps / 10);
    s.sparsity_old = sparsity;
    auto r = per_row(sparser, s.x).to(torch::kBool);
    s.x = torch::where(r, s.x_best, s.x);
    s.grad = torch::where(r, s.grad_best, s.grad);
  }

  torch::Tensor next(const ApgdState& s, int64_t /*it*/) const override {
    auto g = flat(s.grad);
    auto x = flat(s.x);
    // Coordinates already at a bound and pushed outwards would only waste budget.
    auto magnitude = drop_outward_at_bounds(g, x, bounds_.lower, bounds_.upper).abs();
    int64_t dim = g.size(1);
    auto count = (s.topk * dim).ceil().clamp(1, dim).to(torch::kLong).view({-1, 1});
    auto sorted = std::get<0>(magnitude.sort(1, /*descending=*/true));
    auto threshold = sorted.gather(1, count - 1);
    auto chosen = ((magnitude >= threshold) & (magnitude > 0)).to(g.dtype());
    auto direction = g.sign() * chosen / chosen.sum(1, true).clamp_min(1);
    // Onto the ball within the box, not the ball then the box: a sparse step overshoots
    // the box on most of its coordinates, and clipping after the ball loses that budget.
    return threat_->project_in_box(s.origin, s.x + per_row(s.step, s.x) * direction.view_as(s.x), s.eps,
                                   bounds_.lower, bounds_.upper);
  }

 private:
  std::shared_ptr<ThreatModel> threat_;
  Bounds bounds_;
  int64_t interval_;
};

}  // namespace

std::unique_ptr<ApgdSchedule> make_apgd_schedule(std::shared_ptr<ThreatModel> threat, Bounds bounds,
                                                 int64_t n_iter, double rho) {
  if (threat->name() == "l1") return std::make_unique<ApgdSparseSchedule>(std::move(threat), bounds, n_iter);
  return std::make_unique<ApgdCheckpointSchedule>(std::move(threat), bounds, n_iter, rho);
}

}  // namespace advlab::detail_apgd
