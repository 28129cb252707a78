#pragma once
// Synthetic traffic signs (issue 6): there is no traffic-sign dataset on these machines,
// so advlab renders one. Each sign is a stack of flat-coloured shapes (discs, convex
// polygons, 7-segment strokes for numbers and "STOP") in sign coordinates, seen through a
// random viewpoint (position, scale, rotation, foreshortening, perspective) in front of a
// random background (gradient + colour blobs, sometimes a pole), anti-aliased by
// supersampling, then lit (brightness, contrast, colour cast), blurred and noised.
// Everything random comes from the generator passed in: same seed, same images.
#include "advlab/data/dataset.h"

#include <ATen/core/Generator.h>

#include <functional>
#include <string>
#include <vector>

namespace advlab::data {

// Class names in label order. They are sorted, so an image folder written with them as
// subfolder names loads back (load_image_folder sorts subfolders) with the same labels:
// keep-right, no-entry, priority, speed-30, speed-50, speed-80, stop, yield.
const std::vector<std::string>& sign_class_names();
// Label of a class name; throws advlab::Error listing the known names.
int64_t sign_class_index(const std::string& name);

// Ranges of the nuisance factors; each image draws uniformly inside them.
struct SignSceneOptions {
  int64_t size = 32;         // output is [3, size, size]
  int64_t supersample = 4;   // anti-aliasing: render size*k square, average k x k blocks
  double min_scale = 0.6;    // sign diameter as a fraction of the image width
  double max_scale = 0.85;
  double max_shift = 0.12;   // centre offset, fraction of the image width
  double max_rotation = 10;  // degrees
  double max_squash = 0.3;   // horizontal foreshortening: width x (1 - U[0, squash])
  double max_perspective = 0.15;  // projective terms of the homography
  double min_brightness = 0.55;
  double max_brightness = 1.3;
  double max_contrast_loss = 0.35;  // contrast x (1 - U[0, loss])
  double max_color_cast = 0.08;     // per-channel gain 1 +- U[0, cast]
  double max_blur = 0.8;            // Gaussian sigma in output pixels
  double max_noise = 0.03;          // sensor noise standard deviation
};

// Close-ups, as RP2 attacks them (Eykholt et al. 2018 photograph the sign filling the
// frame): the sign covers most of the image, nearly centred and frontal, so a sticker
// mask in image coordinates lands on the sign. Lighting, blur and noise vary as usual.
SignSceneOptions closeup_sign_scene(int64_t size);

// `count` close-ups of class `label` ([count, 3, size, size], multiples of 1/255), each
// from its own generator derived from (seed, index).
torch::Tensor render_sign_closeups(int64_t label, int64_t count, int64_t size, uint64_t seed);

// One random view of a sign of class `label`: float [3, size, size] in [0, 1].
// Throws advlab::Error for an unknown label or invalid options.
torch::Tensor render_sign(int64_t label, const SignSceneOptions& scene, at::Generator& generator);

struct SignDatasetOptions {
  int64_t per_class_train = 400;
  int64_t per_class_test = 100;
  int64_t size = 32;
  uint64_t seed = 0;
};

struct SignDatasets {
  Dataset train, test;
};

// Called as (images done, images total) while rendering.
using SignProgress = std::function<void(int64_t, int64_t)>;

// Renders both splits, class-major (all of class 0, then class 1, ...). Every image has
// its own generator derived from (seed, split, class, index), so an image does not depend
// on how many others are drawn. Pixels are rounded to multiples of 1/255, so a set saved
// as PNG loads back exactly.
SignDatasets make_sign_datasets(const SignDatasetOptions& options, const SignProgress& progress = {});

}  // namespace advlab::data
