#pragma once
// PNG output: single images and the original | adversarial | perturbation grid.
#include <torch/types.h>

#include <string>
#include <vector>

namespace advlab::io {

// Saves one image [C, H, W] (C = 1 or 3, values in [0,1]) as PNG, atomically.
void save_png(const std::string& path, const torch::Tensor& image, int upscale = 1);

struct AdversarialGridOptions {
  int max_rows = 8;     // rows shown (first samples)
  int upscale = 3;      // nearest-neighbour magnification of small images
  // The perturbation column shows 0.5 + delta / (2 * max|delta|), so its structure is
  // visible whatever eps was; gray means unchanged.
};

// One row per sample: original, adversarial, magnified perturbation; each cell has a
// caption drawn above it (e.g. "orig: Coat", "adv: Shirt", "delta x12").
// originals/adversarials: [N, C, H, W]; captions: per row, 2 strings (orig, adv).
void save_adversarial_grid(const std::string& path, const torch::Tensor& originals,
                           const torch::Tensor& adversarials,
                           const std::vector<std::pair<std::string, std::string>>& captions,
                           const AdversarialGridOptions& options = {});

// PNG bytes of an image [C, H, W] (for embedding in HTML).
std::string encode_png(const torch::Tensor& image, int upscale = 1);

}  // namespace advlab::io
