#pragma once
// Random physical-world transforms, for expectation over transformation (Athalye et al.
// 2018) as RP2 (Eykholt et al. 2018) and the adversarial patch (Brown et al. 2017) use
// it: viewpoint (rotation, scale, translation, perspective), lighting (brightness) and
// camera blur. The transform is differentiable in the image, so attacks optimise through
// it; its parameters are drawn from the generator, so the same seed gives the same views.
#include <ATen/core/Generator.h>
#include "advlab/core/bounds.h"

#include <torch/arg.h>
#include <torch/types.h>

namespace advlab {

struct PhysicalTransformOptions {
  TORCH_ARG(double, max_rotation) = 15;      // degrees, uniform in [-r, r]
  TORCH_ARG(double, min_scale) = 0.85;       // zoom, uniform in [min, max]
  TORCH_ARG(double, max_scale) = 1.1;
  TORCH_ARG(double, max_translation) = 0.08; // shift, fraction of the image size
  TORCH_ARG(double, max_perspective) = 0.08; // corner displacement, fraction of the size
  TORCH_ARG(double, min_brightness) = 0.75;  // multiplicative, uniform in [min, max]
  TORCH_ARG(double, max_brightness) = 1.25;
  TORCH_ARG(double, max_blur) = 0.8;         // Gaussian sigma in pixels, uniform in [0, b]
  TORCH_ARG(double, fill) = 0.5;             // value of pixels the view leaves uncovered
};

// Throws advlab::Error naming the option when `options` is invalid (min > max, negative
// ranges, max_perspective >= 0.5, max_blur > 20, fill outside [0, 1]).
void check_physical_transform_options(const PhysicalTransformOptions& options);

// One independent random view per sample of x [N, C, H, W] with values in `bounds`;
// result in `bounds`, same shape. `fill` is a fraction of the range, and brightness
// scales the intensity above the lower bound (black stays black).
// Throws advlab::Error on invalid options (min > max, negative ranges).
torch::Tensor random_physical_transform(const torch::Tensor& x,
                                        const PhysicalTransformOptions& options,
                                        at::Generator& generator, const Bounds& bounds = Bounds{});

}  // namespace advlab
