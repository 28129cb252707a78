#pragma once
// RP2, Robust Physical Perturbations (Eykholt et al. 2018, "Robust Physical-World Attacks
// on Deep Learning Visual Classification"): a perturbation confined to a mask (sticker
// regions), optimised with Adam over random physical views of the image (expectation over
// transformation), smoothed by total variation and kept printable by a non-printability
// score against a palette of printable colours. With mask "placed" (the default), the
// stickers' places are chosen per image first (the paper chose its sticker layout from a
// first, whole-image optimisation too): a short pass optimises a perturbation of the whole
// image over the views, and two sticker bars of the "stickers" size go where the loss's
// gradient was largest along it; the stickers then start from that pass's perturbation.
// White-box; targeted (as in the paper) or untargeted; optional L-inf or L2 cap (eps).
#include "advlab/attacks/attack.h"
#include "advlab/attacks/mask/physical_transforms.h"
#include "advlab/attacks/param_table.h"

#include <torch/arg.h>

namespace advlab {

struct Rp2Options {
  static const ParamTable<Rp2Options>& table();

  TORCH_ARG(std::string, mask) = "placed";    // "placed" or a spec of threat/mask.h
  TORCH_ARG(int64_t, placement_steps) = 10;   // "placed": steps of the whole-image pass
  TORCH_ARG(std::optional<double>, eps);      // none = unbounded inside the mask
  TORCH_ARG(std::string, norm) = "linf";      // of the eps cap and of the lambda term
  TORCH_ARG(int64_t, steps) = 40;
  TORCH_ARG(double, lr) = 0.1;                // Adam
  TORCH_ARG(int64_t, samples) = 16;           // random views per step
  TORCH_ARG(double, tv_weight) = 0.05;
  TORCH_ARG(double, nps_weight) = 0.05;
  TORCH_ARG(double, lambda) = 0;              // weight of ||mask * delta||_norm
  TORCH_ARG(std::string, loss) = "ce";
  TORCH_ARG(PhysicalTransformOptions, transforms) = {};
};

// Two bars of the "stickers" size (half the width, 12% of the height) per saliency map
// s [N, H, W]: the first where the bar's sum of s is largest, the second likewise among
// places that do not overlap it. Returns [N, 1, H, W] of 0/1.
torch::Tensor rp2_place_bars(const torch::Tensor& saliency);

// Total variation of each sample of d [N, C, H, W], mean over pixels: the mean length of
// the image gradient (isotropic, forward differences).
torch::Tensor rp2_total_variation(const torch::Tensor& d);
// Printable colours [K, C]: a 3x3x3 grid of mid-range RGB values for C = 3, gray levels
// for any other channel count.
torch::Tensor rp2_printable_palette(int64_t channels);
// Non-printability score of x [N, C, H, W] over the pixels of mask [1, H, W] or
// [N, 1, H, W] (mean per masked pixel): the product over palette colours of the pixel's
// distance to each. Zero exactly
// on palette colours.
torch::Tensor rp2_non_printability(const torch::Tensor& x, const torch::Tensor& mask,
                                   const torch::Tensor& palette);

class Rp2 : public Attack {
 public:
  explicit Rp2(Rp2Options options);
  nlohmann::json options_json() const override;
  // The mask at the size of the images last attacked (mask specs are resolution-free;
  // run() asks for it only after perturb() has seen the batch). Undefined for "placed":
  // each image has its own, and perturb() keeps every pixel outside it unchanged.
  torch::Tensor mask() const override { return placed() ? torch::Tensor() : mask_; }

 protected:
  torch::Tensor perturb(AttackContext& context, const torch::Tensor& x,
                        const Criterion& criterion) override;

 private:
  bool placed() const { return options_.mask() == "placed"; }
  // Per-image sticker masks [N, 1, H, W] from the whole-image pass (see above); `start`
  // receives that pass's perturbation inside them.
  torch::Tensor place_stickers(AttackContext& context, const torch::Tensor& x, const Criterion& criterion,
                               torch::Tensor& start);

  Rp2Options options_;
  std::shared_ptr<AttackLoss> loss_;
  torch::Tensor mask_;
};

}  // namespace advlab
