#include "pixel_tensor.h"

namespace advlab::data {

torch::Tensor unit_images_from_bytes(const uint8_t* pixels, torch::IntArrayRef shape) {
  // from_blob wraps without copying; .to() makes the owned float copy.
  auto raw = torch::from_blob(const_cast<uint8_t*>(pixels), shape, torch::kUInt8);
  return raw.to(torch::kFloat32).div_(255.0);
}

torch::Tensor labels_from_bytes(const uint8_t* labels, int64_t count) {
  auto raw = torch::from_blob(const_cast<uint8_t*>(labels), {count}, torch::kUInt8);
  return raw.to(torch::kInt64);
}

}  // namespace advlab::data
