// Mask images (--mask PATH.png): the first two bytes pick the image size the mask is
// resized to (1..64 each), the rest is the file.
#include "advlab/core/error.h"
#include "advlab/threat/mask.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  int64_t height = 1 + data[0] % 64, width = 1 + data[1] % 64;
  auto path = advlab::fuzz::write_scratch(
      "mask.png", std::string_view(reinterpret_cast<const char*>(data) + 2, size - 2));
  try {
    auto mask = advlab::make_mask(path, height, width);
    if (mask.size(1) != height || mask.size(2) != width) __builtin_trap();
  } catch (const advlab::Error&) {
  }
  return 0;
}
