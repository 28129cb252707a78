#pragma once
// PNG and JPEG files decoded by stb_image, with the checks the stb_image of Debian 12
// (v2.27) lacks. Only these two formats are accepted: stb picks its decoder from the
// bytes, so without the check a file named .png could reach its GIF, PSD or HDR decoders.
#include <cstdint>
#include <string>
#include <vector>

namespace advlab::io {

struct ImageHeader {
  int width = 0, height = 0;
  int channels = 0;  // in the file: 1 gray, 2 gray + alpha, 3 RGB, 4 RGBA
};

struct DecodedImage {
  int width = 0, height = 0;
  std::vector<uint8_t> pixels;  // height x width x channels, interleaved
};

// Throws advlab::Error naming the file if it is unreadable, not a PNG or JPEG, or damaged.
ImageHeader read_image_header(const std::string& path);
// Pixels converted to `channels` (1..4) per pixel, as stb converts them.
DecodedImage decode_image(const std::string& path, int channels);

}  // namespace advlab::io
