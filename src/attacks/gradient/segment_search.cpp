#include "advlab/attacks/gradient/segment_search.h"

#include "advlab/attacks/losses.h"
#include "advlab/core/error.h"

#include <torch/torch.h>

#include <limits>

namespace advlab {

namespace {

// Relative logit margin a probe must clear: well above float round-off of a forward pass.
constexpr double kMarginTolerance = 1e-5;

}  // namespace

torch::Tensor shrink_towards_clean(AttackContext& context, const torch::Tensor& x, const torch::Tensor& adv,
                                   const torch::Tensor& found, const torch::Tensor& local,
                                   const Criterion& criterion, int64_t steps) {
  ADVLAB_CHECK(steps >= 0, "segment search: steps must be >= 0, got ", steps);
  ADVLAB_CHECK(x.sizes() == adv.sizes() && found.dim() == 1 && found.size(0) == x.size(0) &&
                   local.size(0) == x.size(0),
               "segment search: x ", x.sizes(), ", adv ", adv.sizes(), ", found ", found.sizes(), ", local ",
               local.sizes(), " differ");
  auto searched = found.to(x.device(), torch::kBool).nonzero().squeeze(1);
  if (steps == 0 || searched.numel() == 0) return adv;
  torch::NoGradGuard no_grad;
  const auto bounds = context.bounds();
  auto rows = local.to(x.device(), torch::kLong).index_select(0, searched);
  auto crit = criterion.select(rows.to(torch::kCPU));
  const MarginLoss margin(std::numeric_limits<double>::infinity());
  auto x0 = x.index_select(0, searched);
  auto delta = adv.index_select(0, searched) - x0;
  auto low = torch::zeros({searched.size(0)}, x.options());
  auto high = torch::ones_like(low);
  for (int64_t s = 0; s < steps; ++s) {
    auto mid = (low + high) / 2;
    auto probe = bounds.clip(x0 + expand_like(mid, delta) * delta);
    auto logits = context.logits(probe, rows);
    auto scale = std::get<0>(logits.abs().max(1)).clamp_min(1);
    auto fools = crit->is_adversarial(logits).to(x.device(), torch::kBool) &
                 (margin(logits, *crit) > kMarginTolerance * scale);
    high = torch::where(fools, mid, high);
    low = torch::where(fools, low, mid);
  }
  auto closer = bounds.clip(x0 + expand_like(high, delta) * delta);
  auto moved = expand_like(high < 1, closer).to(torch::kBool);
  auto out = adv.clone();
  out.index_copy_(0, searched, torch::where(moved, closer, adv.index_select(0, searched)));
  return out;
}

}  // namespace advlab
