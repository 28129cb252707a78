#include "advlab/attacks/mask/rp2.h"

#include "advlab/core/error.h"
#include "advlab/threat/mask.h"

#include <torch/torch.h>

#include <cmath>

namespace advlab {

namespace detail_rp2 {

PhysicalTransformOptions transforms_from_params(ParamReader& p) {
  PhysicalTransformOptions d;
  return PhysicalTransformOptions()
      .max_rotation(p.get_double("max_rotation", d.max_rotation()))
      .min_scale(p.get_double("min_scale", d.min_scale()))
      .max_scale(p.get_double("max_scale", d.max_scale()))
      .max_translation(p.get_double("max_translation", d.max_translation()))
      .max_perspective(p.get_double("max_perspective", d.max_perspective()))
      .min_brightness(p.get_double("min_brightness", d.min_brightness()))
      .max_brightness(p.get_double("max_brightness", d.max_brightness()))
      .max_blur(p.get_double("max_blur", d.max_blur()))
      .fill(p.get_double("fill", d.fill()));
}

nlohmann::json transforms_json(const PhysicalTransformOptions& t) {
  return {{"max_rotation", t.max_rotation()},       {"min_scale", t.min_scale()},
          {"max_scale", t.max_scale()},             {"max_translation", t.max_translation()},
          {"max_perspective", t.max_perspective()}, {"min_brightness", t.min_brightness()},
          {"max_brightness", t.max_brightness()},   {"max_blur", t.max_blur()},
          {"fill", t.fill()}};
}

}  // namespace detail_rp2

Rp2Options Rp2Options::from_params(ParamReader& params) {
  return Rp2Options()
      .mask(params.get_string("mask", "stickers"))
      .eps(params.find_double("eps"))
      .norm(params.get_string("norm", "linf"))
      .steps(params.get_int("steps", 40))
      .lr(params.get_double("lr", 0.1))
      .samples(params.get_int("samples", 4))
      .tv_weight(params.get_double("tv_weight", 0.05))
      .nps_weight(params.get_double("nps_weight", 0.05))
      .lambda(params.get_double("lambda", 0))
      .loss(params.get_string("loss", "ce"))
      .transforms(detail_rp2::transforms_from_params(params));
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
  auto m = mask.to(x.options()).flatten();
  return (score * m).sum(1) / m.sum();
}

Rp2::Rp2(Rp2Options options) : options_(std::move(options)) {
  const auto& o = options_;
  ADVLAB_CHECK(o.norm() == "linf" || o.norm() == "l2", "rp2: norm must be linf or l2, got '", o.norm(), "'");
  threat_ = make_threat_model(o.norm());
  loss_ = make_loss(o.loss());
  if (o.eps())
    ADVLAB_CHECK(*o.eps() >= 0 && std::isfinite(*o.eps()), "rp2: eps must be >= 0 and finite, got ", *o.eps());
  ADVLAB_CHECK(o.steps() >= 1, "rp2: steps must be >= 1, got ", o.steps());
  ADVLAB_CHECK(o.samples() >= 1, "rp2: samples must be >= 1, got ", o.samples());
  ADVLAB_CHECK(std::isfinite(o.lr()) && o.lr() > 0, "rp2: lr must be > 0, got ", o.lr());
  ADVLAB_CHECK(std::isfinite(o.tv_weight()) && o.tv_weight() >= 0, "rp2: tv_weight must be >= 0, got ", o.tv_weight());
  ADVLAB_CHECK(std::isfinite(o.nps_weight()) && o.nps_weight() >= 0, "rp2: nps_weight must be >= 0, got ",
               o.nps_weight());
  ADVLAB_CHECK(std::isfinite(o.lambda()) && o.lambda() >= 0, "rp2: lambda must be >= 0, got ", o.lambda());
  check_physical_transform_options(o.transforms());
  make_mask(o.mask(), 256, 256);  // a bad spec or a missing file fails here, not mid-run
}

nlohmann::json Rp2::params() const {
  const auto& o = options_;
  return {{"mask", o.mask()},
          {"eps", o.eps() ? nlohmann::json(*o.eps()) : nlohmann::json()},
          {"norm", o.norm()},
          {"steps", o.steps()},
          {"lr", o.lr()},
          {"samples", o.samples()},
          {"tv_weight", o.tv_weight()},
          {"nps_weight", o.nps_weight()},
          {"lambda", o.lambda()},
          {"loss", o.loss()},
          {"transforms", detail_rp2::transforms_json(o.transforms())}};
}

torch::Tensor Rp2::perturb(AttackContext& context, const torch::Tensor& x, const Criterion& criterion) {
  ADVLAB_CHECK(x.dim() == 4, "rp2: images must be [N, C, H, W], got ", x.sizes());
  const auto& o = options_;
  const int64_t n = x.size(0), views = o.samples();
  const auto bounds = context.bounds();
  mask_ = make_mask(o.mask(), x.size(2), x.size(3)).to(x.device());
  auto palette = rp2_printable_palette(x.size(1)).to(x.device());
  std::optional<torch::Tensor> eps;
  if (o.eps()) eps = per_sample_eps(*o.eps(), x);
  // View v of sample i is row i * views + v.
  auto view_rows = torch::arange(n, torch::kLong).repeat_interleave(views);
  auto view_criterion = criterion.select(view_rows);

  auto delta = torch::zeros_like(x).requires_grad_(true);
  torch::optim::Adam adam({delta}, torch::optim::AdamOptions(o.lr()));
  auto best = x.clone();
  // A candidate adversarial on the plain image beats any that is not; then the larger
  // share of its views wins.
  auto best_score = torch::full({n}, -1.0, torch::kFloat32);
  for (int64_t step = 0; step <= o.steps(); ++step) {
    torch::AutoGradMode grad_on(true);
    auto adv = bounds.clip(x + mask_ * delta);
    auto plain = context.loss_gradient(adv.detach(), *loss_, criterion);
    auto seen = random_physical_transform(adv.repeat_interleave(views, 0), o.transforms(), context.generator());
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
    if (o.lambda() > 0) regulariser = regulariser + o.lambda() * threat_->distance(x, adv);
    torch::autograd::backward({adv, seen, regulariser.sum()},
                              {-share * plain.grad, -share * on_views.grad, torch::ones({}, x.options())});
    adam.step();
    {
      torch::NoGradGuard no_grad;
      auto next = bounds.clip(x + mask_ * delta);
      if (eps) next = bounds.clip(threat_->project(x, next, *eps));
      delta.copy_(next - x);
    }
  }
  return best;
}

}  // namespace advlab
