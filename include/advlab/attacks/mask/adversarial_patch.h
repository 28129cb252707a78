#pragma once
// Adversarial patch (Brown et al. 2017, "Adversarial Patch"): one universal patch, trained
// over many images with expectation over transformation (random location, scale and
// rotation), that turns whatever it is pasted on into the target class.
// White-box; targeted (a patch per target class) or untargeted (a patch per true class,
// pushing away from it); norm L0: the patch replaces at most its area, and an eps caps
// the number of changed values (the side shrinks to fit).
#include "advlab/attacks/attack.h"
#include "advlab/attacks/param_table.h"

#include <ATen/core/Generator.h>
#include <torch/arg.h>

#include <functional>

namespace advlab {

struct PatchPlacementOptions {
  TORCH_ARG(double, min_scale) = 0.8;  // patch side multiplier, uniform in [min, max]
  TORCH_ARG(double, max_scale) = 1.2;
  TORCH_ARG(double, max_rotation) = 30;  // degrees, uniform in [-r, r]
};

// Where a patch goes on each image (all [N], CPU float64): its centre in pixels from the
// top-left corner of the image, its side multiplier and its rotation in degrees.
struct PatchPlacement {
  torch::Tensor center_x, center_y, scale, angle;
};

// Random placements for n images of height x width and a patch of `side` pixels; the
// centre is uniform over the positions where the scaled (unrotated) patch stays inside.
PatchPlacement random_patch_placements(int64_t n, int64_t height, int64_t width, int64_t side,
                                       const PatchPlacementOptions& options, at::Generator& generator);
// The same placement for all n images: unscaled, unrotated, top-left corner at (top, left).
PatchPlacement fixed_patch_placement(int64_t n, int64_t top, int64_t left, int64_t side);

// The pixels a patch of `side` covers, [1, side, side] of 0/1: "square" or "circle".
torch::Tensor patch_shape(const std::string& shape, int64_t side);

// images [N, C, H, W] with patch [C, side, side] pasted per `placement` (bilinear,
// differentiable in the patch and the images). At a fixed placement the patch lands on
// whole pixels and is copied to within float rounding.
torch::Tensor paste_patch(const torch::Tensor& images, const torch::Tensor& patch,
                          const PatchPlacement& placement, const std::string& shape = "square");

struct PatchOptions {

  TORCH_ARG(double, size) = 0.3;  // side, fraction of the image's smaller side
  TORCH_ARG(std::string, shape) = "square";
  TORCH_ARG(int64_t, steps) = 200;
  TORCH_ARG(double, lr) = 0.1;  // Adam
  TORCH_ARG(int64_t, batch_size) = 32;  // images per step, drawn at random
  TORCH_ARG(std::string, loss) = "ce";
  TORCH_ARG(PatchPlacementOptions, placement) = {};
};

// Throws advlab::Error naming the option when `options` is invalid.
void check_patch_options(const PatchOptions& options);
// The patch side in pixels for images of height x width (at least 1).
int64_t patch_side(const PatchOptions& options, int64_t height, int64_t width);

// Trains a targeted patch [C, side, side] on images [N, C, H, W] (inside the model's
// bounds); the same seed gives the same patch.
torch::Tensor train_patch(Classifier& model, const torch::Tensor& images, int64_t target_class,
                          const PatchOptions& options, uint64_t seed = 0);

// The loss gradient on pasted images; rows are the images' indices into the training set.
using PatchGradient = std::function<LossGradient(const torch::Tensor& pasted, const torch::Tensor& rows,
                                                 const Criterion& criterion)>;
// The training loop behind train_patch, for any criterion over images (one class per
// image; a universal patch needs the same target for all) and any gradient source.
torch::Tensor train_patch(const PatchGradient& gradient, const torch::Tensor& images, const Criterion& criterion,
                          const PatchOptions& options, int64_t side, Bounds bounds, at::Generator& generator);

// Per image (float [N]): the fraction of n fresh random placements of `patch` on which
// `criterion` holds.
torch::Tensor patch_success_over_placements(Classifier& model, const torch::Tensor& images,
                                            const torch::Tensor& patch, const Criterion& criterion,
                                            int64_t n, uint64_t seed,
                                            const PatchPlacementOptions& placement = {},
                                            const std::string& shape = "square");

// The patch attack's options: training, placement and where the patch goes on the images.
struct PatchAttackOptions {
  static const ParamTable<PatchAttackOptions>& table();

  TORCH_ARG(PatchOptions, patch) = {};
  TORCH_ARG(std::string, location) = "0.5,0.5";  // the patch centre, fractions "X,Y" of the image size
  TORCH_ARG(std::optional<double>, eps);         // the L0 cap (values); none = the patch's area
  TORCH_ARG(std::string, norm) = "l0";
};

class AdversarialPatch : public Attack {
 public:
  // location: the patch centre as fractions of the image size; eps: the L0 cap (values).
  AdversarialPatch(PatchOptions options, double center_x, double center_y, std::optional<double> eps);
  explicit AdversarialPatch(const PatchAttackOptions& options);

  nlohmann::json options_json() const override;
  // The fixed patch region at the size of the images last attacked (it depends on the
  // image size, which only perturb() sees; run() asks for it after perturb()).
  torch::Tensor mask() const override { return mask_; }

 protected:
  torch::Tensor perturb(AttackContext& context, const torch::Tensor& x, const Criterion& criterion) override;

 private:
  PatchOptions options_;
  double center_x_, center_y_;
  torch::Tensor mask_;
};

}  // namespace advlab
