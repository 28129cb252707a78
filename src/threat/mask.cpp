#include "advlab/threat/mask.h"

#include "advlab/core/error.h"
#include "advlab/io/image_file.h"

#include <torch/torch.h>

#include <filesystem>
#include <sstream>
#include <vector>

namespace advlab {

namespace {

std::vector<double> mask_numbers(const std::string& spec, const std::string& args, size_t count) {
  std::vector<double> values;
  std::stringstream in(args);
  std::string item;
  while (std::getline(in, item, ',')) {
    try {
      size_t used = 0;
      values.push_back(std::stod(item, &used));
      ADVLAB_CHECK(used == item.size(), "mask '", spec, "': '", item, "' is not a number");
    } catch (const std::logic_error&) {
      throw Error("mask '" + spec + "': '" + item + "' is not a number");
    }
  }
  ADVLAB_CHECK(values.size() == count, "mask '", spec, "' needs ", count, " numbers, got ",
               values.size());
  for (double v : values)
    ADVLAB_CHECK(std::isfinite(v) && v >= 0 && v <= 1, "mask '", spec,
                 "': values are fractions of the image size in [0, 1], got ", v);
  return values;
}

// Pixel-centre coordinates as fractions of the image size, [H, W] each.
std::pair<torch::Tensor, torch::Tensor> pixel_grid(int64_t height, int64_t width) {
  auto ys = (torch::arange(height, torch::kFloat32) + 0.5) / height;
  auto xs = (torch::arange(width, torch::kFloat32) + 0.5) / width;
  auto grid = torch::meshgrid({ys, xs}, "ij");
  return {grid[0], grid[1]};
}

torch::Tensor rect_mask(double x, double y, double w, double h, int64_t height, int64_t width) {
  auto [ys, xs] = pixel_grid(height, width);
  return ((xs >= x) & (xs < x + w) & (ys >= y) & (ys < y + h)).to(torch::kFloat32);
}

torch::Tensor png_mask(const std::string& path, int64_t height, int64_t width) {
  std::error_code ec;  // a name the OS rejects (too long, say) is not found either
  ADVLAB_CHECK(std::filesystem::is_regular_file(path, ec), "mask file not found: ", path);
  auto image = io::decode_image(path, 1);
  const int64_t h = image.height, w = image.width;
  auto gray = torch::from_blob(image.pixels.data(), {1, 1, h, w}, torch::kUInt8).to(torch::kFloat32);
  if (h != height || w != width)
    gray = torch::nn::functional::interpolate(
        gray, torch::nn::functional::InterpolateFuncOptions()
                  .size(std::vector<int64_t>{height, width})
                  .mode(torch::kNearest));
  return (gray[0][0] >= 128).to(torch::kFloat32);
}

}  // namespace

torch::Tensor make_mask(const std::string& spec, int64_t height, int64_t width) {
  ADVLAB_CHECK(height > 0 && width > 0, "mask size must be positive, got ", height, "x", width);
  const auto colon = spec.find(':');
  const auto kind = spec.substr(0, colon);
  const auto args = colon == std::string::npos ? std::string() : spec.substr(colon + 1);
  torch::Tensor mask;
  if (kind == "full") {
    mask = torch::ones({height, width});
  } else if (kind == "rect") {
    auto v = mask_numbers(spec, args, 4);
    mask = rect_mask(v[0], v[1], v[2], v[3], height, width);
  } else if (kind == "circle") {
    auto v = mask_numbers(spec, args, 3);
    auto [ys, xs] = pixel_grid(height, width);
    mask = ((xs - v[0]).square() + (ys - v[1]).square() <= v[2] * v[2]).to(torch::kFloat32);
  } else if (kind == "stickers") {
    ADVLAB_CHECK(args.empty(), "mask 'stickers' takes no arguments, got '", spec, "'");
    mask = torch::maximum(rect_mask(0.25, 0.22, 0.5, 0.12, height, width),
                          rect_mask(0.25, 0.66, 0.5, 0.12, height, width));
  } else if (kind == "border") {
    auto v = mask_numbers(spec, args, 1);
    auto [ys, xs] = pixel_grid(height, width);
    const double fy = v[0] * std::min(height, width) / height;
    const double fx = v[0] * std::min(height, width) / width;
    mask = ((xs < fx) | (xs > 1 - fx) | (ys < fy) | (ys > 1 - fy)).to(torch::kFloat32);
  } else if (spec.size() > 4 && spec.substr(spec.size() - 4) == ".png") {
    mask = png_mask(spec, height, width);
  } else {
    throw Error("unknown mask '" + spec +
                "' (expected full, rect:X,Y,W,H, circle:CX,CY,R, stickers, border:F or a .png file)");
  }
  ADVLAB_CHECK(mask.sum().item<double>() > 0, "mask '", spec, "' selects no pixel of a ", height,
               "x", width, " image");
  return mask.unsqueeze(0).contiguous();
}

torch::Tensor apply_mask(const torch::Tensor& original, const torch::Tensor& candidate,
                         const torch::Tensor& mask) {
  auto keep = mask.to(candidate.device()) > 0.5;
  return torch::where(keep, candidate, original);
}

torch::Tensor unchanged_outside(const torch::Tensor& original, const torch::Tensor& candidate,
                                const torch::Tensor& mask) {
  auto outside = (mask.to(candidate.device()) <= 0.5).expand_as(candidate);
  auto differs = (candidate != original) & outside;
  return ~differs.flatten(1).any(1);
}

}  // namespace advlab
