#pragma once
// An 8-bit interleaved pixel buffer (gray or RGB) that images and text are drawn into
// before PNG encoding.
#include <torch/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace advlab::io {

class Canvas {
 public:
  Canvas(int width, int height, int channels, uint8_t background);

  int width() const { return width_; }
  int height() const { return height_; }
  int channels() const { return channels_; }
  const std::vector<uint8_t>& pixels() const { return pixels_; }

  // Draws image [C, H, W] (C = 1 or 3, values clamped to [0, 1]) with its top-left
  // corner at (x, y), magnified `upscale` times by pixel repetition. A gray image on an
  // RGB canvas is replicated to all three channels.
  void draw_image(const torch::Tensor& image, int x, int y, int upscale);
  // Fills the rectangle [x0, x1) x [y0, y1), clipped to the canvas.
  void fill_rect(int x0, int y0, int x1, int y1, uint8_t value);
  // Draws text in a small built-in bitmap font with its top-left corner at (x, y).
  void draw_text(const std::string& text, int x, int y, uint8_t value);

  std::string encode_png() const;

 private:
  int width_, height_, channels_;
  std::vector<uint8_t> pixels_;
};

// Size in pixels of `text` as draw_text draws it.
int text_width(const std::string& text);
int text_height();

}  // namespace advlab::io
