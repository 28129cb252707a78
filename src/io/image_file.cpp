#include "advlab/io/image_file.h"

#include "advlab/core/error.h"

#include <stb/stb_image.h>
#include <torch/torch.h>

#include <filesystem>
#include <memory>

namespace advlab::io {

torch::Tensor read_image_file(const std::string& path, int channels, const std::string& what) {
  ADVLAB_CHECK(std::filesystem::is_regular_file(path), what, " file not found: ", path);
  int w = 0, h = 0, in_file = 0;
  std::unique_ptr<stbi_uc, void (*)(void*)> pixels(stbi_load(path.c_str(), &w, &h, &in_file, channels),
                                                   stbi_image_free);
  const char* reason = stbi_failure_reason();
  ADVLAB_CHECK(pixels != nullptr, path, ": cannot decode ", what, " (", reason ? reason : "unknown reason", ")");
  return torch::from_blob(pixels.get(), {h, w, channels}, torch::kUInt8).clone();
}

}  // namespace advlab::io
