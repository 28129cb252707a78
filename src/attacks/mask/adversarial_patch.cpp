#include "advlab/attacks/mask/adversarial_patch.h"

#include "advlab/core/error.h"
#include "advlab/core/whole_count.h"
#include "advlab/threat/mask.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <sstream>

namespace advlab {

namespace detail_patch {

torch::Tensor uniform(at::Generator& gen, int64_t n, double lo, double hi) {
  return lo + (hi - lo) * at::rand({n}, gen, torch::TensorOptions().dtype(torch::kFloat64));
}

std::pair<double, double> parse_location(const std::string& text) {
  std::stringstream in(text);
  double cx = -1, cy = -1;
  char comma = 0;
  in >> cx >> comma >> cy;
  ADVLAB_CHECK(in && comma == ',' && (in >> std::ws).eof(), "patch: location must be CX,CY, got '", text, "'");
  return {cx, cy};
}

}  // namespace detail_patch

PatchPlacement random_patch_placements(int64_t n, int64_t height, int64_t width, int64_t side,
                                       const PatchPlacementOptions& options, at::Generator& generator) {
  using detail_patch::uniform;
  auto scale = uniform(generator, n, options.min_scale(), options.max_scale());
  auto angle = uniform(generator, n, -options.max_rotation(), options.max_rotation());
  auto half = scale * (side / 2.0);
  // Uniform over [half, size - half]; a patch larger than the image stays centred.
  auto place = [&](int64_t size) {
    auto lo = half.clamp_max(size / 2.0);
    auto hi = (size - half).clamp_min(size / 2.0);
    return lo + (hi - lo) * at::rand({n}, generator, torch::TensorOptions().dtype(torch::kFloat64));
  };
  auto cx = place(width);
  auto cy = place(height);
  return {cx, cy, scale, angle};
}

PatchPlacement fixed_patch_placement(int64_t n, int64_t top, int64_t left, int64_t side) {
  auto opts = torch::TensorOptions().dtype(torch::kFloat64);
  return {torch::full({n}, left + side / 2.0, opts), torch::full({n}, top + side / 2.0, opts),
          torch::ones({n}, opts), torch::zeros({n}, opts)};
}

torch::Tensor patch_shape(const std::string& shape, int64_t side) {
  ADVLAB_CHECK(side >= 1, "patch: side must be >= 1 pixel, got ", side);
  if (shape == "square") return torch::ones({1, side, side});
  if (shape == "circle") return make_mask("circle:0.5,0.5,0.5", side, side);
  throw Error("patch: shape must be square or circle, got '" + shape + "'");
}

namespace detail_patch {
torch::Tensor paste_each(const torch::Tensor& images, const torch::Tensor& patches, const PatchPlacement& placement,
                         const std::string& shape);
}  // namespace detail_patch

torch::Tensor paste_patch(const torch::Tensor& images, const torch::Tensor& patch,
                          const PatchPlacement& placement, const std::string& shape) {
  ADVLAB_CHECK(images.dim() == 4, "paste_patch: images must be [N, C, H, W], got ", images.sizes());
  ADVLAB_CHECK(patch.dim() == 3 && patch.size(0) == images.size(1) && patch.size(1) == patch.size(2),
               "paste_patch: patch must be [C, S, S] with the images' ", images.size(1), " channels, got ",
               patch.sizes());
  return detail_patch::paste_each(images, patch.unsqueeze(0).expand({images.size(0), -1, -1, -1}), placement, shape);
}

namespace detail_patch {

// paste_patch with one patch per image, patches [N, C, S, S].
torch::Tensor paste_each(const torch::Tensor& images, const torch::Tensor& patches, const PatchPlacement& placement,
                         const std::string& shape) {
  namespace F = torch::nn::functional;
  const int64_t n = images.size(0), h = images.size(2), w = images.size(3), side = patches.size(2);
  ADVLAB_CHECK(placement.center_x.numel() == n, "paste_patch: ", placement.center_x.numel(),
               " placements for ", n, " images");
  if (n == 0) return images.clone();
  const double pi = 3.14159265358979323846;
  // Each image pixel centre p maps to patch pixels u = R(-angle)(p - centre) / scale,
  // then to the patch's normalised coordinates u / (side / 2).
  auto ys = torch::arange(h, torch::kFloat64) + 0.5, xs = torch::arange(w, torch::kFloat64) + 0.5;
  auto mesh = torch::meshgrid({ys, xs}, "ij");
  auto view = [](const torch::Tensor& t) { return t.view({-1, 1, 1}); };
  auto rx = mesh[1].unsqueeze(0) - view(placement.center_x), ry = mesh[0].unsqueeze(0) - view(placement.center_y);
  auto rad = placement.angle * (pi / 180);
  auto c = view(rad.cos() / placement.scale), s = view(rad.sin() / placement.scale);
  auto u = (c * rx + s * ry) / (side / 2.0), v = (-s * rx + c * ry) / (side / 2.0);
  auto grid = torch::stack({u, v}, 3).to(images.options());

  // Premultiplied colour plus coverage, sampled together.
  auto alpha = patch_shape(shape, side).to(images.options());
  auto layers = torch::cat({patches * alpha, alpha.unsqueeze(0).expand({n, -1, -1, -1})}, 1);
  auto sampled = F::grid_sample(layers, grid,
                                F::GridSampleFuncOptions().mode(torch::kBilinear).padding_mode(torch::kZeros).align_corners(false));
  auto colour = sampled.narrow(1, 0, images.size(1)), cover = sampled.narrow(1, images.size(1), 1);
  return images * (1 - cover) + colour;
}

}  // namespace detail_patch


void check_patch_options(const PatchOptions& o) {
  ADVLAB_CHECK(std::isfinite(o.size()) && o.size() > 0 && o.size() <= 1, "patch: size must be in (0, 1], got ",
               o.size());
  patch_shape(o.shape(), 1);
  ADVLAB_CHECK(o.steps() >= 1, "patch: steps must be >= 1, got ", o.steps());
  ADVLAB_CHECK(std::isfinite(o.lr()) && o.lr() > 0, "patch: lr must be > 0, got ", o.lr());
  ADVLAB_CHECK(o.batch_size() >= 1, "patch: batch_size must be >= 1, got ", o.batch_size());
  make_loss(o.loss());
  const auto& pl = o.placement();
  ADVLAB_CHECK(std::isfinite(pl.min_scale()) && pl.min_scale() > 0, "patch: min_scale must be > 0, got ",
               pl.min_scale());
  ADVLAB_CHECK(std::isfinite(pl.max_scale()) && pl.max_scale() >= pl.min_scale(),
               "patch: max_scale must be >= min_scale (", pl.min_scale(), "), got ", pl.max_scale());
  ADVLAB_CHECK(std::isfinite(pl.max_rotation()) && pl.max_rotation() >= 0,
               "patch: max_rotation must be >= 0, got ", pl.max_rotation());
}

int64_t patch_side(const PatchOptions& options, int64_t height, int64_t width) {
  return std::max<int64_t>(1, std::llround(options.size() * std::min(height, width)));
}

namespace detail_patch {

// Trains `count` patches at once, [count, C, side, side]: image i trains patch group[i]
// (int64 [N], CPU). Each step draws one random batch over all images, so training
// several class patches costs no more steps than one.
torch::Tensor train_joint(const PatchGradient& gradient, const torch::Tensor& images, const torch::Tensor& group,
                          int64_t count, const Criterion& criterion, const PatchOptions& options, int64_t side,
                          Bounds bounds, at::Generator& generator) {
  check_patch_options(options);
  ADVLAB_CHECK(images.dim() == 4 && images.size(0) >= 1, "train_patch: images must be a non-empty [N, C, H, W]");
  const int64_t n = images.size(0), batch = std::min(options.batch_size(), n);
  auto opts = images.options();
  auto patches = (bounds.lower + (bounds.upper - bounds.lower) *
                                     at::rand({count, images.size(1), side, side}, generator, torch::TensorOptions()))
                     .to(opts)
                     .requires_grad_(true);
  torch::optim::Adam adam({patches}, torch::optim::AdamOptions(options.lr()));
  for (int64_t step = 0; step < options.steps(); ++step) {
    auto rows = at::randperm(n, generator, torch::TensorOptions().dtype(torch::kLong)).narrow(0, 0, batch);
    auto placement = random_patch_placements(batch, images.size(2), images.size(3), side, options.placement(), generator);
    torch::AutoGradMode grad_on(true);
    auto mine = patches.index_select(0, group.index_select(0, rows).to(images.device()));
    auto pasted = paste_each(images.index_select(0, rows.to(images.device())), mine, placement, options.shape());
    auto lg = gradient(pasted.detach(), rows, *criterion.select(rows));
    adam.zero_grad();
    // Maximise the mean loss over the batch.
    torch::autograd::backward({pasted}, {-lg.grad / static_cast<double>(batch)});
    adam.step();
    torch::NoGradGuard no_grad;
    patches.clamp_(bounds.lower, bounds.upper);
  }
  return patches.detach();
}

}  // namespace detail_patch

torch::Tensor train_patch(const PatchGradient& gradient, const torch::Tensor& images, const Criterion& criterion,
                          const PatchOptions& options, int64_t side, Bounds bounds, at::Generator& generator) {
  auto group = torch::zeros({images.dim() == 4 ? images.size(0) : 0}, torch::kLong);
  return detail_patch::train_joint(gradient, images, group, 1, criterion, options, side, bounds, generator)[0];
}

torch::Tensor train_patch(Classifier& model, const torch::Tensor& images, int64_t target_class,
                          const PatchOptions& options, uint64_t seed) {
  check_patch_options(options);
  ADVLAB_CHECK(images.dim() == 4, "train_patch: images must be [N, C, H, W], got ", images.sizes());
  ADVLAB_CHECK(model.bounds().contains(images), "train_patch: images outside the model's bounds");
  auto x = images.to(model.device(), torch::kFloat32);
  auto loss = make_loss(options.loss());
  PatchGradient gradient = [&](const torch::Tensor& pasted, const torch::Tensor&, const Criterion& criterion) {
    torch::AutoGradMode grad_on(true);
    auto input = pasted.detach().requires_grad_(true);
    auto z = model.logits(input);
    auto per_sample = (*loss)(z, criterion);
    auto grad = torch::autograd::grad({per_sample.sum()}, {input})[0];
    return LossGradient{per_sample.detach(), z.detach(), grad.detach()};
  };
  auto gen = at::detail::createCPUGenerator(seed);
  TargetedMisclassification criterion(torch::full({x.size(0)}, target_class, torch::kLong));
  return train_patch(gradient, x, criterion, options, patch_side(options, x.size(2), x.size(3)), model.bounds(), gen);
}

torch::Tensor patch_success_over_placements(Classifier& model, const torch::Tensor& images,
                                            const torch::Tensor& patch, const Criterion& criterion, int64_t n,
                                            uint64_t seed, const PatchPlacementOptions& placement,
                                            const std::string& shape) {
  ADVLAB_CHECK(n >= 1, "patch_success_over_placements: n must be >= 1, got ", n);
  ADVLAB_CHECK(images.dim() == 4 && criterion.classes().size(0) == images.size(0),
               "patch_success_over_placements: one criterion class per image [N, C, H, W] needed");
  torch::NoGradGuard no_grad;
  auto gen = at::detail::createCPUGenerator(seed);
  auto x = images.to(model.device(), torch::kFloat32);
  auto p = patch.to(model.device(), torch::kFloat32);
  auto hits = torch::zeros({images.size(0)}, torch::kFloat64);
  // One fresh placement per image per round: batches stay the size of the image set.
  for (int64_t round = 0; round < n; ++round) {
    auto where = random_patch_placements(x.size(0), x.size(2), x.size(3), p.size(1), placement, gen);
    auto hit = criterion.is_adversarial(model.logits(paste_patch(x, p, where, shape))).to(torch::kCPU);
    hits += hit.to(torch::kFloat64);
  }
  return (hits / static_cast<double>(n)).to(torch::kFloat32);
}

AdversarialPatch::AdversarialPatch(PatchOptions options, double center_x, double center_y, std::optional<double> eps)
    : Attack("patch", Budget::of("l0", eps)), options_(std::move(options)), center_x_(center_x),
      center_y_(center_y) {
  check_patch_options(options_);
  ADVLAB_CHECK(center_x >= 0 && center_x <= 1 && center_y >= 0 && center_y <= 1,
               "patch: location must be fractions of the image size in [0, 1], got ", center_x, ",", center_y);
}

const ParamTable<PatchAttackOptions>& PatchAttackOptions::table() {
  static const auto table = ParamTable<PatchAttackOptions>("patch", PatchAttackOptions())
      .add("eps", ADVLAB_FIELD(eps), "cap on changed values (L0); none = the patch's area").at_least(0)
      .add("norm", ADVLAB_FIELD(norm), "threat model: a patch changes at most its area").one_of({"l0"})
      .add("location", ADVLAB_FIELD(location), "patch centre on the attacked images, fractions X,Y of the size")
      .add("size", ADVLAB_FIELD(patch().size), "side, fraction of the image's smaller side").above(0).at_most(1)
      .add("shape", ADVLAB_FIELD(patch().shape), "patch outline").one_of({"square", "circle"})
      .add("steps", ADVLAB_FIELD(patch().steps), "training steps per class").at_least(1)
      .add("lr", ADVLAB_FIELD(patch().lr), "Adam step").above(0).alias("step_size")
      .add("batch_size", ADVLAB_FIELD(patch().batch_size), "images per training step").at_least(1)
      .add("loss", ADVLAB_FIELD(patch().loss), "training loss").one_of(loss_names())
      .add("min_scale", ADVLAB_FIELD(patch().placement().min_scale), "smallest random size factor").above(0)
      .add("max_scale", ADVLAB_FIELD(patch().placement().max_scale), "largest random size factor, >= min_scale")
      .above(0)
      .add("max_rotation", ADVLAB_FIELD(patch().placement().max_rotation), "random rotation, degrees in [-r, r]")
      .at_least(0);
  return table;
}

namespace {
std::pair<double, double> location_of(const PatchAttackOptions& o) {
  PatchAttackOptions::table().validate(o);
  return detail_patch::parse_location(o.location());
}
}  // namespace

AdversarialPatch::AdversarialPatch(const PatchAttackOptions& o)
    : AdversarialPatch(o.patch(), location_of(o).first, location_of(o).second, o.eps()) {}

nlohmann::json AdversarialPatch::options_json() const {
  const auto& o = options_;
  return {{"norm", "l0"},
          {"eps", epsilon() ? nlohmann::json(*epsilon()) : nlohmann::json()},
          {"location", {center_x_, center_y_}},
          {"size", o.size()},
          {"shape", o.shape()},
          {"steps", o.steps()},
          {"lr", o.lr()},
          {"batch_size", o.batch_size()},
          {"loss", o.loss()},
          {"min_scale", o.placement().min_scale()},
          {"max_scale", o.placement().max_scale()},
          {"max_rotation", o.placement().max_rotation()}};
}

torch::Tensor AdversarialPatch::perturb(AttackContext& context, const torch::Tensor& x, const Criterion& criterion) {
  ADVLAB_CHECK(x.dim() == 4, "patch: images must be [N, C, H, W], got ", x.sizes());
  const int64_t c = x.size(1), h = x.size(2), w = x.size(3);
  int64_t side = patch_side(options_, h, w);
  // An eps (L0, values changed) caps the area: side^2 * channels <= eps.
  if (epsilon()) side = whole_count(std::sqrt(*epsilon() / c), side);
  mask_ = torch::zeros({1, h, w}, x.options());
  if (side < 1) return x;
  const int64_t top = std::clamp<int64_t>(std::llround(center_y_ * h - side / 2.0), 0, h - side);
  const int64_t left = std::clamp<int64_t>(std::llround(center_x_ * w - side / 2.0), 0, w - side);
  mask_.narrow(1, top, side).narrow(2, left, side).copy_(patch_shape(options_.shape(), side));

  auto loss = make_loss(options_.loss());
  // One universal patch per class of the criterion: per target class (targeted) or per
  // true class, pushed away from it (untargeted); all trained in one loop.
  auto classes = criterion.classes().to(torch::kCPU);
  auto unique = std::get<0>(at::_unique(classes, /*sorted=*/true));
  auto group = torch::searchsorted(unique, classes);
  PatchGradient gradient = [&](const torch::Tensor& pasted, const torch::Tensor& rows, const Criterion& crit) {
    // Training views at random placements are not candidates: counted, not watched.
    context.set_watching(false);
    auto lg = context.loss_gradient(pasted, *loss, crit, rows);
    context.set_watching(true);
    return lg;
  };
  auto patches = detail_patch::train_joint(gradient, x, group, unique.numel(), criterion, options_, side,
                                           context.bounds(), context.generator());
  // At the fixed placement the patch lies on whole pixels: copy it exactly.
  auto canvas = torch::zeros({unique.numel(), c, h, w}, x.options());
  canvas.narrow(2, top, side).narrow(3, left, side).copy_(patches);
  auto out = apply_mask(x, canvas.index_select(0, group.to(x.device())), mask_);
  context.note_iterations(options_.steps());
  return out;
}

}  // namespace advlab
