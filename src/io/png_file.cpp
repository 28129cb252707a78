#include "advlab/core/error.h"
#include "advlab/io/atomic_file.h"
#include "advlab/io/image_grid.h"
#include "canvas.h"

namespace advlab::io {

std::string encode_png(const torch::Tensor& image, int upscale) {
  ADVLAB_CHECK(image.dim() == 3 && (image.size(0) == 1 || image.size(0) == 3),
               "encode_png: image must be [C, H, W] with C = 1 or 3, got ", image.sizes());
  ADVLAB_CHECK(upscale >= 1, "encode_png: upscale must be >= 1, got ", upscale);
  Canvas canvas(static_cast<int>(image.size(2)) * upscale,
                static_cast<int>(image.size(1)) * upscale, static_cast<int>(image.size(0)), 0);
  canvas.draw_image(image, 0, 0, upscale);
  return canvas.encode_png();
}

void save_png(const std::string& path, const torch::Tensor& image, int upscale) {
  write_file_atomic(path, encode_png(image, upscale));
}

}  // namespace advlab::io
