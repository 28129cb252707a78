#include "canvas.h"

#include "advlab/core/error.h"

#include <stb/stb_image_write.h>

#include <algorithm>

namespace advlab::io {

Canvas::Canvas(int width, int height, int channels, uint8_t background)
    : width_(width), height_(height), channels_(channels) {
  ADVLAB_CHECK(width > 0 && height > 0, "canvas size must be positive, got ", width, "x", height);
  ADVLAB_CHECK(channels == 1 || channels == 3, "canvas must have 1 or 3 channels, got ", channels);
  pixels_.assign(static_cast<size_t>(width) * height * channels, background);
}

void Canvas::fill_rect(int x0, int y0, int x1, int y1, uint8_t value) {
  x0 = std::max(x0, 0);
  y0 = std::max(y0, 0);
  x1 = std::min(x1, width_);
  y1 = std::min(y1, height_);
  for (int y = y0; y < y1; ++y) {
    auto row = pixels_.begin() + (static_cast<size_t>(y) * width_ + x0) * channels_;
    std::fill(row, row + std::max(0, x1 - x0) * channels_, value);
  }
}

void Canvas::draw_image(const torch::Tensor& image, int x, int y, int upscale) {
  ADVLAB_CHECK(image.dim() == 3 && (image.size(0) == 1 || image.size(0) == 3),
               "image must be [C, H, W] with C = 1 or 3, got ", image.sizes());
  ADVLAB_CHECK(upscale >= 1, "upscale must be >= 1, got ", upscale);
  // Round to nearest so that k/255 inputs come back as exactly k.
  auto bytes = image.detach()
                   .to(torch::kCPU, torch::kFloat32)
                   .clamp(0.0, 1.0)
                   .mul(255.0)
                   .round()
                   .to(torch::kUInt8)
                   .contiguous();
  const uint8_t* src = bytes.data_ptr<uint8_t>();
  const int in_channels = static_cast<int>(image.size(0));
  const int h = static_cast<int>(image.size(1));
  const int w = static_cast<int>(image.size(2));
  const size_t plane = static_cast<size_t>(h) * w;
  for (int py = 0; py < h * upscale; ++py) {
    int cy = y + py;
    if (cy < 0 || cy >= height_) continue;
    for (int px = 0; px < w * upscale; ++px) {
      int cx = x + px;
      if (cx < 0 || cx >= width_) continue;
      size_t s = static_cast<size_t>(py / upscale) * w + px / upscale;
      uint8_t* dst = &pixels_[(static_cast<size_t>(cy) * width_ + cx) * channels_];
      for (int c = 0; c < channels_; ++c) dst[c] = src[std::min(c, in_channels - 1) * plane + s];
    }
  }
}

std::string Canvas::encode_png() const {
  std::string png;
  auto append = [](void* context, void* data, int size) {
    static_cast<std::string*>(context)->append(static_cast<const char*>(data),
                                               static_cast<size_t>(size));
  };
  int ok = stbi_write_png_to_func(append, &png, width_, height_, channels_, pixels_.data(),
                                  width_ * channels_);
  ADVLAB_CHECK(ok, "PNG encoding failed for a ", width_, "x", height_, " image");
  return png;
}

}  // namespace advlab::io
