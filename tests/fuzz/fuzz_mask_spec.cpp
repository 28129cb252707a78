// Mask specs (--mask): the first two bytes pick the image size (1..64 each), the rest is
// the spec text. Specs naming a .png go to a path that does not exist; fuzz_mask_png
// covers mask files.
#include "advlab/core/error.h"
#include "advlab/threat/mask.h"

#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  int64_t height = 1 + data[0] % 64, width = 1 + data[1] % 64;
  std::string spec(reinterpret_cast<const char*>(data) + 2, size - 2);
  try {
    auto mask = advlab::make_mask(spec, height, width);
    // The documented shape, whatever the spec.
    if (mask.dim() != 3 || mask.size(0) != 1 || mask.size(1) != height || mask.size(2) != width)
      __builtin_trap();
  } catch (const advlab::Error&) {
  }
  return 0;
}
