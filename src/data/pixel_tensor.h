#pragma once
// Conversions from raw 8-bit buffers to the tensors a Dataset holds.
#include <torch/types.h>

#include <cstdint>

namespace advlab::data {

// Copies `shape.numel()` bytes at `pixels` into a float32 tensor scaled to [0, 1].
torch::Tensor unit_images_from_bytes(const uint8_t* pixels, torch::IntArrayRef shape);
// Copies `count` bytes at `labels` into an int64 tensor.
torch::Tensor labels_from_bytes(const uint8_t* labels, int64_t count);

}  // namespace advlab::data
