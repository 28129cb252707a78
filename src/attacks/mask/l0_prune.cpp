#include "advlab/attacks/mask/l0_prune.h"

#include "advlab/attacks/losses.h"
#include "advlab/threat/threat_model.h"

#include <torch/torch.h>

#include <limits>

namespace advlab {

torch::Tensor prune_l0(AttackContext& context, const torch::Tensor& x, const torch::Tensor& adv,
                       const torch::Tensor& found, const Criterion& criterion, int64_t max_rounds) {
  auto out = adv.clone();
  auto rows = found.to(torch::kCPU, torch::kBool).nonzero().squeeze(1);
  if (rows.numel() == 0 || max_rounds <= 0) return out;
  auto device_rows = rows.to(x.device());
  auto crit = criterion.select(rows);
  auto clean = flat(x.index_select(0, device_rows));
  auto current = flat(adv.index_select(0, device_rows)).clone();
  auto delta = current - clean;
  auto shape = adv.sizes().vec();  // the pruned rows as images
  shape[0] = rows.size(0);

  // Under L0 a changed coordinate may take any value in the box: each is first pushed to
  // the bound its margin gradient points to, which widens the margin the reversals below
  // can spend (kept only where the sample stays adversarial).
  const MarginLoss margin;
  auto lg = context.loss_gradient(current.view(shape), margin, *crit, device_rows);
  auto bounds = context.bounds();
  auto g = flat(lg.grad);
  auto saturated = torch::where(delta.ne(0) & g.gt(0), torch::full_like(current, bounds.upper),
                                torch::where(delta.ne(0) & g.lt(0), torch::full_like(current, bounds.lower), current));
  auto sat_lg = context.loss_gradient(saturated.view(shape), margin, *crit, device_rows);
  auto take = (crit->is_adversarial(sat_lg.logits) & sat_lg.loss.detach().ge(lg.loss.detach())).to(x.device());
  current = torch::where(take.unsqueeze(1), saturated, current);
  g = torch::where(take.unsqueeze(1), flat(sat_lg.grad), g);
  delta = current - clean;

  // Reverting coordinate i lowers the margin by about grad_i * delta_i: try the
  // smallest (most often negative: coordinates that work against the attack) first.
  auto contribution = (g * delta).masked_fill(delta.eq(0), std::numeric_limits<float>::infinity());
  auto order = contribution.argsort(1, /*descending=*/false);
  auto changed = delta.ne(0).sum(1).to(torch::kCPU);
  const int64_t rounds = std::min<int64_t>(max_rounds, changed.numel() ? changed.max().item<int64_t>() : 0);

  for (int64_t r = 0; r < rounds; ++r) {
    auto trying = (changed > r).nonzero().squeeze(1);
    if (trying.numel() == 0) break;
    auto local = trying.to(x.device());
    auto coordinate = order.index_select(0, local).select(1, r).unsqueeze(1);
    auto trial = current.index_select(0, local).scatter(1, coordinate, clean.index_select(0, local).gather(1, coordinate));
    auto trial_shape = shape;
    trial_shape[0] = trying.size(0);
    auto logits = context.logits(trial.view(trial_shape), device_rows.index_select(0, local));
    auto kept = crit->select(trying)->is_adversarial(logits).to(x.device());
    auto accepted = kept.nonzero().squeeze(1);
    if (accepted.numel() > 0) current.index_copy_(0, local.index_select(0, accepted), trial.index_select(0, accepted));
  }
  out.index_copy_(0, device_rows, current.view(shape));
  return out;
}

}  // namespace advlab
