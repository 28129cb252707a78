#include "advlab/attacks/mask/rp2.h"

#include "advlab/core/error.h"
#include "advlab/threat/mask.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace advlab {

const ParamTable<Rp2Options>& Rp2Options::table() {
  static const auto table = ParamTable<Rp2Options>("rp2", Rp2Options())
      .add("mask", ADVLAB_FIELD(mask), "placed = two sticker bars placed per image by a first pass; or a --mask spec")
      .add("placement_steps", ADVLAB_FIELD(placement_steps), "placed: steps of the whole-image pass").at_least(1)
      .add("eps", ADVLAB_FIELD(eps), "cap on the perturbation inside the mask; none = unbounded").at_least(0)
      .add("norm", ADVLAB_FIELD(norm), "norm of the eps cap and of the lambda term").one_of({"linf", "l2"})
      .add("steps", ADVLAB_FIELD(steps), "Adam steps").at_least(1)
      .add("lr", ADVLAB_FIELD(lr), "Adam step").above(0).alias("step_size")
      .add("samples", ADVLAB_FIELD(samples), "random views per step").at_least(1)
      .add("tv_weight", ADVLAB_FIELD(tv_weight), "weight of the total-variation term").at_least(0)
      .add("nps_weight", ADVLAB_FIELD(nps_weight), "weight of the non-printability term").at_least(0)
      .add("lambda", ADVLAB_FIELD(lambda), "weight of ||mask * delta||_norm").at_least(0)
      .add("loss", ADVLAB_FIELD(loss), "loss over the views").one_of(loss_names())
      .add("max_rotation", ADVLAB_FIELD(transforms().max_rotation), "view rotation, degrees in [-r, r]").in_group("transforms")
      .add("min_scale", ADVLAB_FIELD(transforms().min_scale), "smallest view zoom").in_group("transforms")
      .add("max_scale", ADVLAB_FIELD(transforms().max_scale), "largest view zoom").in_group("transforms")
      .add("max_translation", ADVLAB_FIELD(transforms().max_translation), "view shift, fraction of the size")
      .in_group("transforms")
      .add("max_perspective", ADVLAB_FIELD(transforms().max_perspective), "corner displacement, fraction of the size")
      .in_group("transforms")
      .add("min_brightness", ADVLAB_FIELD(transforms().min_brightness), "smallest brightness factor").in_group("transforms")
      .add("max_brightness", ADVLAB_FIELD(transforms().max_brightness), "largest brightness factor").in_group("transforms")
      .add("max_blur", ADVLAB_FIELD(transforms().max_blur), "Gaussian blur sigma in pixels, in [0, b]").in_group("transforms")
      .add("fill", ADVLAB_FIELD(transforms().fill), "value of pixels a view leaves uncovered").in_group("transforms");
  return table;
}

torch::Tensor rp2_total_variation(const torch::Tensor& d) {
  auto dy = d.narrow(2, 1, d.size(2) - 1) - d.narrow(2, 0, d.size(2) - 1);
  auto dx = d.narrow(3, 1, d.size(3) - 1) - d.narrow(3, 0, d.size(3) - 1);
  auto dy_c = dy.narrow(3, 0, d.size(3) - 1), dx_c = dx.narrow(2, 0, d.size(2) - 1);
  // The small constant keeps the square root differentiable where d is flat.
  auto length = (dy_c.square() + dx_c.square()).sum(1).add(1e-8).sqrt() - std::sqrt(1e-8);
  return length.flatten(1).mean(1);
}

torch::Tensor rp2_printable_palette(int64_t channels) {
  const std::vector<double> levels = {0.1, 0.5, 0.9};
  if (channels == 3) {
    std::vector<double> colours;
    for (double r : levels)
      for (double g : levels)
        for (double b : levels) colours.insert(colours.end(), {r, g, b});
    return torch::tensor(colours, torch::kFloat32).view({27, 3});
  }
  auto gray = torch::tensor({0.1, 0.3, 0.5, 0.7, 0.9}, torch::kFloat32).view({5, 1});
  return gray.expand({5, channels}).contiguous();
}

torch::Tensor rp2_non_printability(const torch::Tensor& x, const torch::Tensor& mask,
                                   const torch::Tensor& palette) {
  // pixels [N, H*W, C] against colours [K, C]: distances [N, H*W, K], product over K.
  auto pixels = x.flatten(2).transpose(1, 2);
  auto diff = pixels.unsqueeze(2) - palette.to(x.options()).view({1, 1, palette.size(0), palette.size(1)});
  auto score = (diff.square().sum(3) + 1e-12).sqrt().prod(2);  // [N, H*W]
  auto m = mask.to(x.options()).expand({x.size(0), 1, x.size(2), x.size(3)}).flatten(1);
  return (score * m).sum(1) / m.sum(1).clamp_min(1);
}

torch::Tensor rp2_place_bars(const torch::Tensor& saliency) {
  const int64_t n = saliency.size(0), h = saliency.size(1), w = saliency.size(2);
  // The size of one bar of the "stickers" mask (threat/mask.cpp).
  const int64_t bar_h = std::clamp<int64_t>(std::lround(0.12 * h), 1, h);
  const int64_t bar_w = std::clamp<int64_t>(std::lround(0.5 * w), 1, w);
  auto sums = torch::avg_pool2d(saliency.unsqueeze(1).to(torch::kFloat32), {bar_h, bar_w}, {1, 1}).squeeze(1);
  const int64_t places_w = sums.size(2);
  auto ys = torch::arange(sums.size(1), torch::kLong).view({1, -1, 1});
  auto xs = torch::arange(places_w, torch::kLong).view({1, 1, -1});
  auto py = torch::arange(h, torch::kLong).view({1, -1, 1});
  auto px = torch::arange(w, torch::kLong).view({1, 1, -1});
  auto mask = torch::zeros({n, h, w}, torch::kBool);
  auto flat_sums = sums.flatten(1).clone();
  for (int bar = 0; bar < 2; ++bar) {
    auto best = flat_sums.argmax(1);
    auto y0 = best.div(places_w, "floor").view({-1, 1, 1}), x0 = best.remainder(places_w).view({-1, 1, 1});
    mask |= (py >= y0) & (py < y0 + bar_h) & (px >= x0) & (px < x0 + bar_w);
    // The second bar may not overlap the first.
    auto overlaps = ((ys - y0).abs() < bar_h) & ((xs - x0).abs() < bar_w);
    flat_sums.masked_fill_(overlaps.flatten(1), -std::numeric_limits<float>::infinity());
  }
  return mask.unsqueeze(1).to(torch::kFloat32);
}

Rp2::Rp2(Rp2Options options)
    : Attack("rp2", Budget::of(options.norm(), options.eps())), options_(std::move(options)) {
  const auto& o = options_;
  Rp2Options::table().validate(o);
  loss_ = make_loss(o.loss());
  check_physical_transform_options(o.transforms());
  if (!placed()) make_mask(o.mask(), 256, 256);  // a bad spec or a missing file fails here, not mid-run
}

nlohmann::json Rp2::options_json() const {
  return Rp2Options::table().to_json(options_);
}

torch::Tensor Rp2::place_stickers(AttackContext& context, const torch::Tensor& x, const Criterion& criterion,
                                  torch::Tensor& start) {
  const auto& o = options_;
  const int64_t n = x.size(0), views = o.samples();
  const auto bounds = context.bounds();
  auto view_rows = torch::arange(n, torch::kLong).repeat_interleave(views);
  auto view_criterion = criterion.select(view_rows);
  auto delta = torch::zeros_like(x).requires_grad_(true);
  torch::optim::Adam adam({delta}, torch::optim::AdamOptions(o.lr()));
  // How strongly each pixel pulls the loss over the views, summed along the pass.
  auto saliency = torch::zeros({n, x.size(2), x.size(3)}, x.options());
  // The whole image may change here: none of these points is a candidate.
  context.set_watching(false);
  for (int64_t step = 0; step < o.placement_steps(); ++step) {
    torch::AutoGradMode grad_on(true);
    auto adv = bounds.clip(x + delta);
    auto plain = context.loss_gradient(adv.detach(), *loss_, criterion);
    auto seen = context.per_sample({}, [&](at::Generator& g, int64_t i) {
      return random_physical_transform(adv.narrow(0, i, 1).expand({views, -1, -1, -1}), o.transforms(), g, bounds);
    });
    auto on_views = context.loss_gradient(seen.detach(), *loss_, *view_criterion, view_rows);
    adam.zero_grad();
    const double share = 1.0 / static_cast<double>(views + 1);
    torch::autograd::backward({adv, seen}, {-share * plain.grad, -share * on_views.grad});
    saliency += delta.grad().detach().abs().sum(1);
    adam.step();
    torch::NoGradGuard no_grad;
    delta.copy_(bounds.clip(x + delta) - x);
  }
  context.set_watching(true);
  auto mask = rp2_place_bars(saliency.to(torch::kCPU)).to(x.device());
  start = (delta.detach() * mask).contiguous();
  return mask;
}

torch::Tensor Rp2::perturb(AttackContext& context, const torch::Tensor& x, const Criterion& criterion) {
  ADVLAB_CHECK(x.dim() == 4, "rp2: images must be [N, C, H, W], got ", x.sizes());
  const auto& o = options_;
  const int64_t n = x.size(0), views = o.samples();
  const auto bounds = context.bounds();
  // The stickers start from what the placement pass found inside them.
  auto start = torch::zeros_like(x);
  mask_ = placed() ? place_stickers(context, x, criterion, start)
                   : make_mask(o.mask(), x.size(2), x.size(3)).to(x.device());
  auto palette = rp2_printable_palette(x.size(1)).to(x.device());
  std::optional<torch::Tensor> eps;
  if (epsilon()) eps = per_sample_eps(*epsilon(), x);
  // View v of sample i is row i * views + v.
  auto view_rows = torch::arange(n, torch::kLong).repeat_interleave(views);
  auto view_criterion = criterion.select(view_rows);

  auto delta = start.requires_grad_(true);
  torch::optim::Adam adam({delta}, torch::optim::AdamOptions(o.lr()));
  auto best = x.clone();
  // A candidate adversarial on the plain image beats any that is not; then the larger
  // share of its views wins.
  auto best_score = torch::full({n}, -1.0, torch::kFloat32);
  for (int64_t step = 0; step <= o.steps(); ++step) {
    torch::AutoGradMode grad_on(true);
    auto adv = bounds.clip(x + mask_ * delta);
    auto plain = context.loss_gradient(adv.detach(), *loss_, criterion);
    // Each sample's views come from its own generator (the same in any batch).
    auto seen = context.per_sample({}, [&](at::Generator& g, int64_t i) {
      return random_physical_transform(adv.narrow(0, i, 1).expand({views, -1, -1, -1}), o.transforms(), g, bounds);
    });
    context.set_watching(false);  // views are not candidates: they may fool the model off the threat model
    auto on_views = context.loss_gradient(seen.detach(), *loss_, *view_criterion, view_rows);
    context.set_watching(true);

    auto rate = view_criterion->is_adversarial(on_views.logits).to(torch::kCPU, torch::kFloat32).view({n, views}).mean(1);
    auto score = 2 * criterion.is_adversarial(plain.logits).to(torch::kCPU, torch::kFloat32) + rate;
    auto better = (score > best_score).nonzero().squeeze(1);
    if (better.numel() > 0) {
      auto rows = better.to(x.device());
      best.index_copy_(0, rows, adv.detach().index_select(0, rows));
      best_score.index_copy_(0, better, score.index_select(0, better));
    }
    if (step == o.steps()) break;
    context.note_iterations(step + 1);

    // Minimise -E[loss] over the plain image and its views, plus the regularisers.
    adam.zero_grad();
    const double share = 1.0 / static_cast<double>(views + 1);
    auto regulariser = o.tv_weight() * rp2_total_variation(mask_ * delta) +
                       o.nps_weight() * rp2_non_printability(adv, mask_, palette);
    if (o.lambda() > 0) regulariser = regulariser + o.lambda() * threat().distance(x, adv);
    torch::autograd::backward({adv, seen, regulariser.sum()},
                              {-share * plain.grad, -share * on_views.grad, torch::ones({}, x.options())});
    adam.step();
    {
      torch::NoGradGuard no_grad;
      auto next = bounds.clip(x + mask_ * delta);
      if (eps) next = bounds.clip(threat().project(x, next, *eps));
      delta.copy_(next - x);
    }
  }
  return best;
}

}  // namespace advlab
