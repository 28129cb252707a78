// The original | adversarial | perturbation figure. The perturbation is rescaled per row
// so that even a tiny eps shows its structure; the caption states the magnification.
#include "advlab/core/error.h"
#include "advlab/io/atomic_file.h"
#include "advlab/io/image_grid.h"
#include "canvas.h"

#include <algorithm>
#include <array>
#include <cstdio>

namespace advlab::io {
namespace {

constexpr int kPad = 4;         // around and between cells
constexpr int kCaptionGap = 2;  // between a caption and its image
constexpr uint8_t kWhite = 255, kBlack = 0;

struct Row {
  std::array<torch::Tensor, 3> images;  // [C, H, W] each
  std::array<std::string, 3> captions;
};

std::string magnification_caption(double factor) {
  char text[48];
  std::snprintf(text, sizeof text, factor >= 100 ? "delta x%.0f" : "delta x%.3g", factor);
  return text;
}

Row make_row(const torch::Tensor& original, const torch::Tensor& adversarial,
             const std::pair<std::string, std::string>& captions) {
  torch::Tensor delta = adversarial - original;
  double max_abs = delta.abs().max().item<double>();
  Row row;
  row.images[0] = original;
  row.images[1] = adversarial;
  row.captions[0] = captions.first;
  row.captions[1] = captions.second;
  if (max_abs > 0) {
    double factor = 1.0 / (2.0 * max_abs);
    row.images[2] = delta * factor + 0.5;
    row.captions[2] = magnification_caption(factor);
  } else {
    row.images[2] = torch::full_like(delta, 0.5);
    row.captions[2] = "delta = 0";
  }
  return row;
}

}  // namespace

void save_adversarial_grid(const std::string& path, const torch::Tensor& originals,
                           const torch::Tensor& adversarials,
                           const std::vector<std::pair<std::string, std::string>>& captions,
                           const AdversarialGridOptions& options) {
  ADVLAB_CHECK(originals.dim() == 4 && (originals.size(1) == 1 || originals.size(1) == 3), path,
               ": originals must be [N, C, H, W] with C = 1 or 3, got ", originals.sizes());
  ADVLAB_CHECK(adversarials.sizes() == originals.sizes(), path, ": adversarials ",
               adversarials.sizes(), " do not match originals ", originals.sizes());
  ADVLAB_CHECK(originals.size(0) > 0, path, ": no images to draw");
  ADVLAB_CHECK(options.max_rows >= 1 && options.upscale >= 1, path,
               ": max_rows and upscale must be >= 1");
  const int rows = static_cast<int>(std::min<int64_t>(originals.size(0), options.max_rows));
  ADVLAB_CHECK(static_cast<int>(captions.size()) >= rows, path, ": ", rows,
               " rows need captions but only ", captions.size(), " were given");

  auto orig = originals.detach().to(torch::kCPU, torch::kFloat32);
  auto adv = adversarials.detach().to(torch::kCPU, torch::kFloat32);
  std::vector<Row> grid;
  for (int r = 0; r < rows; ++r) grid.push_back(make_row(orig[r], adv[r], captions[r]));

  const int image_w = static_cast<int>(orig.size(3)) * options.upscale;
  const int image_h = static_cast<int>(orig.size(2)) * options.upscale;
  std::array<int, 3> column_w{image_w, image_w, image_w};
  for (const Row& row : grid) {
    for (int c = 0; c < 3; ++c) column_w[c] = std::max(column_w[c], text_width(row.captions[c]));
  }
  const int row_h = text_height() + kCaptionGap + image_h + kPad;
  int width = kPad;
  for (int w : column_w) width += w + kPad;

  Canvas canvas(width, kPad + rows * row_h, static_cast<int>(orig.size(1)), kWhite);
  for (int r = 0; r < rows; ++r) {
    int x = kPad, y = kPad + r * row_h;
    for (int c = 0; c < 3; ++c) {
      canvas.draw_text(grid[r].captions[c], x, y, kBlack);
      canvas.draw_image(grid[r].images[c], x, y + text_height() + kCaptionGap, options.upscale);
      x += column_w[c] + kPad;
    }
  }
  write_file_atomic(path, canvas.encode_png());
}

}  // namespace advlab::io
