#include "advlab/gan/sample_grid.h"

#include "advlab/core/error.h"
#include "advlab/io/image_grid.h"

#include <torch/torch.h>

#include <cmath>

namespace advlab::gan {

torch::Tensor tile_images(const torch::Tensor& images, int64_t columns) {
  ADVLAB_CHECK(images.dim() == 4 && images.size(0) >= 1 && (images.size(1) == 1 || images.size(1) == 3),
               "sample grid: images must be [N, C, H, W] with N >= 1 and C = 1 or 3, got ",
               images.sizes());
  const int64_t n = images.size(0), c = images.size(1), h = images.size(2), w = images.size(3);
  if (columns <= 0) columns = static_cast<int64_t>(std::ceil(std::sqrt(static_cast<double>(n))));
  const int64_t rows = (n + columns - 1) / columns;
  auto grid = torch::full({c, rows * (h + 1) + 1, columns * (w + 1) + 1}, 0.5);
  auto x = images.detach().to(torch::kCPU, torch::kFloat32).clamp(0, 1);
  for (int64_t i = 0; i < n; ++i) {
    int64_t top = (i / columns) * (h + 1) + 1, left = (i % columns) * (w + 1) + 1;
    grid.slice(1, top, top + h).slice(2, left, left + w).copy_(x[i]);
  }
  return grid;
}

void save_sample_grid(const std::string& path, const torch::Tensor& images, int upscale) {
  io::save_png(path, tile_images(images), upscale);
}

}  // namespace advlab::gan
