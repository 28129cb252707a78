// An image-classification folder: DIR/<class name>/<image>.png|jpg. Classes are the
// subfolders sorted by name, so the label of a class does not depend on the file system.
#include "advlab/core/error.h"
#include "advlab/data/load.h"
#include "advlab/io/image_file.h"
#include "pixel_tensor.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <vector>

namespace advlab::data {
namespace fs = std::filesystem;
namespace {

struct ImageEntry {
  std::string path;
  int64_t label = 0;
};

bool is_image_file(const fs::path& path) {
  std::string ext = path.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return ext == ".png" || ext == ".jpg" || ext == ".jpeg";
}

std::vector<std::string> sorted_children(const fs::path& dir, bool want_directories) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir)) {
    std::string name = entry.path().filename().string();
    if (name.empty() || name[0] == '.') continue;  // hidden files and folders
    if (want_directories ? entry.is_directory()
                         : entry.is_regular_file() && is_image_file(entry.path())) {
      names.push_back(name);
    }
  }
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace

Dataset load_image_folder(const std::string& dir) {
  std::error_code ec;
  ADVLAB_CHECK(fs::is_directory(dir, ec), dir, ": no such image folder");
  Dataset out;
  std::vector<ImageEntry> images;
  out.class_names = sorted_children(dir, true);
  ADVLAB_CHECK(!out.class_names.empty(), dir,
               ": no class subfolders (expected DIR/<class>/<image>.png)");
  for (size_t c = 0; c < out.class_names.size(); ++c) {
    fs::path class_dir = fs::path(dir) / out.class_names[c];
    auto files = sorted_children(class_dir, false);
    ADVLAB_CHECK(!files.empty(), class_dir.string(), ": class folder has no PNG/JPEG images");
    for (const auto& file : files) {
      images.push_back({(class_dir / file).string(), static_cast<int64_t>(c)});
    }
  }

  // First pass reads headers only: sizes must agree before the batch is allocated.
  int width = 0, height = 0;
  bool all_gray = true;
  for (const auto& image : images) {
    auto [w, h, channels] = io::read_image_header(image.path);
    if (width == 0) {
      width = w;
      height = h;
    }
    ADVLAB_CHECK(w == width && h == height, image.path, ": image is ", w, "x", h, " but ",
                 images.front().path, " is ", width, "x", height,
                 "; all images must share one size");
    all_gray = all_gray && channels <= 2;  // gray or gray + alpha
  }

  const int channels = all_gray ? 1 : 3;
  const auto n = static_cast<int64_t>(images.size());
  const int64_t plane = int64_t{width} * height;
  std::vector<uint8_t> pixels(static_cast<size_t>(n * channels * plane));
  std::vector<int64_t> labels;
  for (int64_t i = 0; i < n; ++i) {
    auto decoded = io::decode_image(images[i].path, channels);
    ADVLAB_CHECK(decoded.width == width && decoded.height == height, images[i].path,
                 ": image size changed while loading");
    // stb returns interleaved HWC; the dataset wants planar CHW.
    uint8_t* dst = pixels.data() + i * channels * plane;
    for (int64_t p = 0; p < plane; ++p) {
      for (int c = 0; c < channels; ++c) dst[c * plane + p] = decoded.pixels[p * channels + c];
    }
    labels.push_back(images[i].label);
  }

  out.images = unit_images_from_bytes(pixels.data(), {n, channels, height, width});
  out.labels = torch::tensor(labels, torch::kInt64);
  out.num_classes = static_cast<int64_t>(out.class_names.size());
  out.source = "folder:" + dir;
  return out;
}

}  // namespace advlab::data
