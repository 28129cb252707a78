#include "advlab/attacks/blackbox/decision_start.h"

#include "advlab/core/error.h"
#include "advlab/io/tensor_file.h"

#include <torch/torch.h>

namespace advlab {

namespace detail_decision_start {

// Samples (indices into the batch) without a start that can still afford a query.
torch::Tensor lacking(Oracle& oracle, const torch::Tensor& found, int64_t reserve) {
  auto rows = (~found).nonzero().squeeze(1);
  if (rows.numel() == 0) return rows;
  return oracle.with_budget(1 + reserve, rows);
}

// Queries `candidates` for `rows` and records the adversarial ones as starts.
void try_candidates(Oracle& oracle, const torch::Tensor& candidates, const Criterion& criterion,
                    const torch::Tensor& rows, DecisionStart& start) {
  auto hit = oracle.is_adversarial(candidates, *criterion.select(rows), rows).to(torch::kCPU);
  auto take = hit.nonzero().squeeze(1);
  if (take.numel() == 0) return;
  auto target = rows.index_select(0, take);
  auto dev = target.to(start.points.device());
  start.points.index_copy_(0, dev, candidates.index_select(0, take.to(candidates.device())));
  start.found.index_fill_(0, target, true);
}

// The nearest other sample of the batch whose oracle label makes it adversarial for
// this one (the target's label, or untargeted any other than this sample's class).
void from_batch(Oracle& oracle, const torch::Tensor& x, const Criterion& criterion,
                const ThreatModel& threat, int64_t reserve, DecisionStart& start) {
  auto need = lacking(oracle, start.found, reserve);
  if (need.numel() == 0 || x.size(0) < 2) return;
  auto pool = oracle.with_budget(1 + reserve);
  if (pool.numel() == 0) return;
  auto pool_x = x.index_select(0, pool.to(x.device()));
  auto pool_labels = oracle.labels(pool_x, pool).to(torch::kCPU);
  auto classes = criterion.classes().to(torch::kCPU);
  // Each sample's own label query may have used the query `need` relied on.
  need = oracle.with_budget(1, need);
  std::vector<int64_t> rows, picks;
  for (int64_t k = 0; k < need.size(0); ++k) {
    int64_t i = need[k].item<int64_t>();
    auto fits = criterion.targeted() ? pool_labels == classes[i] : pool_labels != classes[i];
    auto same = (fits & (pool != i)).nonzero().squeeze(1);
    if (same.numel() == 0) continue;
    auto cands = pool_x.index_select(0, same.to(x.device()));
    auto d = threat.distance(x[i].unsqueeze(0).expand_as(cands), cands).to(torch::kCPU);
    rows.push_back(i);
    picks.push_back(pool[same[d.argmin()].item<int64_t>()].item<int64_t>());
  }
  if (rows.empty()) return;
  auto r = torch::tensor(rows, torch::kLong);
  auto p = torch::tensor(picks, torch::kLong).to(x.device());
  try_candidates(oracle, x.index_select(0, p), criterion, r, start);
}

}  // namespace detail_decision_start

DecisionStart find_decision_starts(Oracle& oracle, const torch::Tensor& x, const Criterion& criterion,
                                   const ThreatModel& threat, const DecisionStartOptions& options) {
  using namespace detail_decision_start;
  DecisionStart start{x.clone(), torch::zeros({x.size(0)}, torch::kBool)};
  if (options.starts.defined()) {
    auto starts = options.starts.to(x.device(), x.scalar_type());
    ADVLAB_CHECK(starts.dim() == x.dim() && starts.sizes().slice(1) == x.sizes().slice(1),
                 "starting images of shape ", starts.sizes(), " do not match inputs of shape ", x.sizes());
    for (int64_t k = 0; k < starts.size(0); ++k) {
      auto rows = lacking(oracle, start.found, options.reserve);
      if (rows.numel() == 0) break;
      auto shape = x.sizes().vec();
      shape[0] = rows.size(0);
      try_candidates(oracle, starts[k].unsqueeze(0).expand(shape).contiguous(), criterion, rows, start);
    }
  }
  from_batch(oracle, x, criterion, threat, options.reserve, start);
  auto bounds = oracle.bounds();
  for (int64_t t = 0; t < options.noise_tries; ++t) {
    auto rows = lacking(oracle, start.found, options.reserve);
    if (rows.numel() == 0) break;
    // Each sample's noise comes from its own generator (the same in any batch).
    auto shape = x.sizes().vec();
    shape[0] = 1;
    auto noise = bounds.lower + (bounds.upper - bounds.lower) *
                                    oracle.per_sample(rows, [&shape](at::Generator& g, int64_t) {
                                      return at::rand(shape, g, torch::TensorOptions(torch::kFloat32));
                                    });
    try_candidates(oracle, noise.to(x.device(), x.scalar_type()), criterion, rows, start);
  }
  return start;
}

torch::Tensor load_start_images(const std::string& path, const std::string& attack) {
  auto tensors = io::load_tensors(path);
  ADVLAB_CHECK(!tensors.empty(), attack, ": starts file '", path, "' holds no tensor");
  torch::Tensor images;
  for (const auto& [name, t] : tensors)
    if (name == "images") images = t;
  if (!images.defined()) {
    ADVLAB_CHECK(tensors.size() == 1, attack, ": starts file '", path,
                 "' holds several tensors but none named 'images'");
    images = tensors.front().second;
  }
  ADVLAB_CHECK(images.dim() >= 2 && images.size(0) > 0, attack, ": starts must be a batch of images, got shape ",
               images.sizes());
  return images.to(torch::kFloat32);
}

torch::Tensor blend_search(Oracle& oracle, const torch::Tensor& x, const torch::Tensor& adv,
                           const Criterion& criterion, const torch::Tensor& local, int64_t steps) {
  const int64_t m = x.size(0);
  auto best = adv.clone();
  auto lo = torch::zeros({m}, torch::kFloat32);
  auto hi = torch::ones({m}, torch::kFloat32);
  for (int64_t s = 0; s < steps && m > 0; ++s) {
    auto pos = (oracle.remaining(local) >= 1).nonzero().squeeze(1);
    if (pos.numel() == 0) break;
    auto pos_dev = pos.to(x.device());
    auto mid = (lo.index_select(0, pos) + hi.index_select(0, pos)) / 2;
    auto w = expand_like(mid.to(x.device()), x.index_select(0, pos_dev));
    auto q = (1 - w) * x.index_select(0, pos_dev) + w * adv.index_select(0, pos_dev);
    auto rows = local.index_select(0, pos);
    auto hit = oracle.is_adversarial(q, *criterion.select(rows), rows).to(torch::kCPU);
    hi.index_copy_(0, pos, torch::where(hit, mid, hi.index_select(0, pos)));
    lo.index_copy_(0, pos, torch::where(hit, lo.index_select(0, pos), mid));
    auto take = hit.nonzero().squeeze(1);
    best.index_copy_(0, pos_dev.index_select(0, take.to(x.device())), q.index_select(0, take.to(x.device())));
  }
  return best;
}

}  // namespace advlab
