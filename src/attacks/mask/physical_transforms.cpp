#include "advlab/attacks/mask/physical_transforms.h"

#include "advlab/core/error.h"
#include "advlab/core/torch_compat.h"

#include <torch/torch.h>

#include <cmath>

namespace advlab {

void check_physical_transform_options(const PhysicalTransformOptions& o) {
  auto finite_nonneg = [](double v) { return std::isfinite(v) && v >= 0; };
  ADVLAB_CHECK(finite_nonneg(o.max_rotation()), "transforms: max_rotation must be >= 0, got ",
               o.max_rotation());
  ADVLAB_CHECK(std::isfinite(o.min_scale()) && o.min_scale() > 0,
               "transforms: min_scale must be > 0, got ", o.min_scale());
  ADVLAB_CHECK(std::isfinite(o.max_scale()) && o.max_scale() >= o.min_scale(),
               "transforms: max_scale must be >= min_scale (", o.min_scale(), "), got ", o.max_scale());
  ADVLAB_CHECK(finite_nonneg(o.max_translation()), "transforms: max_translation must be >= 0, got ",
               o.max_translation());
  ADVLAB_CHECK(finite_nonneg(o.max_perspective()) && o.max_perspective() < 0.5,
               "transforms: max_perspective must be in [0, 0.5), got ", o.max_perspective());
  ADVLAB_CHECK(finite_nonneg(o.min_brightness()), "transforms: min_brightness must be >= 0, got ",
               o.min_brightness());
  ADVLAB_CHECK(std::isfinite(o.max_brightness()) && o.max_brightness() >= o.min_brightness(),
               "transforms: max_brightness must be >= min_brightness (", o.min_brightness(), "), got ",
               o.max_brightness());
  ADVLAB_CHECK(finite_nonneg(o.max_blur()) && o.max_blur() <= 20,
               "transforms: max_blur must be in [0, 20] pixels, got ", o.max_blur());
  ADVLAB_CHECK(std::isfinite(o.fill()) && o.fill() >= 0 && o.fill() <= 1,
               "transforms: fill must be in [0, 1], got ", o.fill());
}

namespace detail_physical {

// Uniform in [lo, hi] per element; always draws, so the random stream does not depend on
// which ranges happen to be empty.
torch::Tensor uniform(at::Generator& gen, std::vector<int64_t> shape, double lo, double hi) {
  auto u = at::rand(shape, gen, torch::TensorOptions().dtype(torch::kFloat64));
  return lo + (hi - lo) * u;
}

// Homographies [N, 3, 3] taking the corners of the square [-1, 1]^2 to `corners` [N, 4, 2]
// (same corner order), from the 8x8 linear system of four correspondences.
torch::Tensor corner_homography(const torch::Tensor& corners) {
  const double src[4][2] = {{-1, -1}, {1, -1}, {1, 1}, {-1, 1}};
  const int64_t n = corners.size(0);
  auto a = torch::zeros({n, 8, 8}, torch::kFloat64);
  auto b = torch::zeros({n, 8}, torch::kFloat64);
  for (int k = 0; k < 4; ++k) {
    const double x = src[k][0], y = src[k][1];
    auto u = corners.select(1, k).select(1, 0), v = corners.select(1, k).select(1, 1);
    auto row_u = a.select(1, 2 * k), row_v = a.select(1, 2 * k + 1);
    row_u.select(1, 0).fill_(x), row_u.select(1, 1).fill_(y), row_u.select(1, 2).fill_(1);
    row_u.select(1, 6).copy_(-u * x), row_u.select(1, 7).copy_(-u * y);
    row_v.select(1, 3).fill_(x), row_v.select(1, 4).fill_(y), row_v.select(1, 5).fill_(1);
    row_v.select(1, 6).copy_(-v * x), row_v.select(1, 7).copy_(-v * y);
    b.select(1, 2 * k).copy_(u), b.select(1, 2 * k + 1).copy_(v);
  }
  auto h = compat::solve(a, b.unsqueeze(2), /*left=*/true).squeeze(2);
  return torch::cat({h, torch::ones({n, 1}, torch::kFloat64)}, 1).view({n, 3, 3});
}

// For each output pixel, where to sample the input: the inverse of zoom, rotation and
// shift (in units proportional to pixels, so rotations stay rigid on non-square images),
// followed by a random perspective of the corners. Matrices [N, 3, 3], normalised coords.
torch::Tensor sampling_matrices(int64_t n, int64_t height, int64_t width,
                                const PhysicalTransformOptions& o, at::Generator& gen) {
  const double pi = 3.14159265358979323846;
  auto angle = uniform(gen, {n}, -o.max_rotation(), o.max_rotation()) * (pi / 180);
  auto scale = uniform(gen, {n}, o.min_scale(), o.max_scale());
  auto shift = uniform(gen, {n, 2}, -2 * o.max_translation(), 2 * o.max_translation());
  auto corner_moves = uniform(gen, {n, 4, 2}, -2 * o.max_perspective(), 2 * o.max_perspective());

  const double aspect = static_cast<double>(height) / static_cast<double>(width);
  auto c = angle.cos() / scale, s = angle.sin() / scale;
  // p -> K^-1 R(-angle) K (p - shift) / scale, K = diag(1, aspect) (x counted in widths).
  auto m = torch::zeros({n, 3, 3}, torch::kFloat64);
  m.select(1, 0).select(1, 0).copy_(c);
  m.select(1, 0).select(1, 1).copy_(s * aspect);
  m.select(1, 1).select(1, 0).copy_(-s / aspect);
  m.select(1, 1).select(1, 1).copy_(c);
  m.select(1, 2).select(1, 2).fill_(1);
  auto t = torch::eye(3, torch::kFloat64).repeat({n, 1, 1});
  t.select(1, 0).select(1, 2).copy_(-shift.select(1, 0));
  t.select(1, 1).select(1, 2).copy_(-shift.select(1, 1));
  const double square[4][2] = {{-1, -1}, {1, -1}, {1, 1}, {-1, 1}};
  auto corners = torch::tensor({square[0][0], square[0][1], square[1][0], square[1][1], square[2][0],
                                square[2][1], square[3][0], square[3][1]},
                               torch::kFloat64)
                     .view({1, 4, 2}) +
                 corner_moves;
  return corner_homography(corners).bmm(m.bmm(t));
}

// Sampling grid [N, H, W, 2] from matrices [N, 3, 3] at the pixel centres.
torch::Tensor homography_grid(const torch::Tensor& matrices, int64_t height, int64_t width) {
  auto ys = (2 * torch::arange(height, torch::kFloat64) + 1) / height - 1;
  auto xs = (2 * torch::arange(width, torch::kFloat64) + 1) / width - 1;
  auto mesh = torch::meshgrid({ys, xs}, "ij");
  auto points = torch::stack({mesh[1], mesh[0], torch::ones_like(mesh[0])}, 2).view({1, -1, 3});
  auto mapped = points.matmul(matrices.transpose(1, 2));  // [N, H*W, 3]
  auto grid = mapped.narrow(2, 0, 2) / mapped.narrow(2, 2, 1);
  return grid.view({matrices.size(0), height, width, 2});
}

// Separable Gaussian blur with one sigma per sample (depthwise conv, replicated edges).
torch::Tensor blur(const torch::Tensor& x, const torch::Tensor& sigma, double max_sigma) {
  namespace F = torch::nn::functional;
  const int64_t radius = static_cast<int64_t>(std::ceil(3 * max_sigma));
  if (radius == 0) return x;
  const int64_t n = x.size(0), c = x.size(1), h = x.size(2), w = x.size(3);
  auto offsets = torch::arange(-radius, radius + 1, torch::kFloat64).view({1, -1});
  // sigma 0 is the identity: the clamp makes the kernel a delta to double precision.
  auto s = sigma.clamp_min(1e-3).view({-1, 1});
  auto kernel = (-(offsets.square()) / (2 * s.square())).exp();
  kernel = (kernel / kernel.sum(1, true)).to(x.options()).repeat_interleave(c, 0);  // [N*C, k]
  const int64_t k = 2 * radius + 1;
  auto flat = x.reshape({1, n * c, h, w});
  flat = F::pad(flat, F::PadFuncOptions({radius, radius, radius, radius}).mode(torch::kReplicate));
  flat = F::conv2d(flat, kernel.view({n * c, 1, k, 1}), F::Conv2dFuncOptions().groups(n * c));
  flat = F::conv2d(flat, kernel.view({n * c, 1, 1, k}), F::Conv2dFuncOptions().groups(n * c));
  return flat.view({n, c, h, w});
}

}  // namespace detail_physical

torch::Tensor random_physical_transform(const torch::Tensor& x, const PhysicalTransformOptions& options,
                                        at::Generator& generator, const Bounds& bounds) {
  namespace F = torch::nn::functional;
  using namespace detail_physical;
  check_physical_transform_options(options);
  ADVLAB_CHECK(x.defined() && x.dim() == 4, "transforms: images must be [N, C, H, W], got ",
               x.defined() ? x.sizes() : c10::IntArrayRef{});
  const int64_t n = x.size(0), h = x.size(2), w = x.size(3);
  if (n == 0) return x.clone();
  // Every parameter is drawn here, in a fixed order, on the CPU.
  auto matrices = sampling_matrices(n, h, w, options, generator);
  auto brightness = uniform(generator, {n}, options.min_brightness(), options.max_brightness());
  auto sigma = uniform(generator, {n}, 0, options.max_blur());

  auto grid = homography_grid(matrices, h, w).to(x.options());
  // Zero padding of (x - fill) shows `fill` wherever the view leaves the image.
  const double fill = bounds.lower + options.fill() * (bounds.upper - bounds.lower);
  auto view = F::grid_sample(x - fill, grid,
                             F::GridSampleFuncOptions().mode(torch::kBilinear).padding_mode(torch::kZeros).align_corners(false)) +
              fill;
  view = blur(view, sigma, options.max_blur());
  view = bounds.lower + (view - bounds.lower) * brightness.to(x.options()).view({n, 1, 1, 1});
  return bounds.clip(view);
}

}  // namespace advlab
