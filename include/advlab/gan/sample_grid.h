#pragma once
// Sample grids: N images [N, C, H, W] in [0, 1] tiled row by row (ceil(sqrt(N)) columns
// unless given) with a 1-pixel border of 0.5 gray, saved as PNG.
#include <torch/types.h>

#include <string>

namespace advlab::gan {

torch::Tensor tile_images(const torch::Tensor& images, int64_t columns = 0);
// Writes the grid atomically; upscale magnifies by pixel repetition.
void save_sample_grid(const std::string& path, const torch::Tensor& images, int upscale = 2);

}  // namespace advlab::gan
