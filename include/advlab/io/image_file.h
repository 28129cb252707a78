#pragma once
// Decoding an image file (PNG, JPEG, BMP, ... through stb_image) into pixels.
#include <torch/types.h>

#include <string>

namespace advlab::io {

// uint8 [H, W, channels] (channels 1 = grey, 3 = RGB; converted as needed). Throws
// advlab::Error naming `what` and the file when it is missing or cannot be decoded.
torch::Tensor read_image_file(const std::string& path, int channels, const std::string& what = "image");

}  // namespace advlab::io
