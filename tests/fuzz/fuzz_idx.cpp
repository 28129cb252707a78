// IDX images + labels files as they arrive (gzip is detected from the bytes, so inputs
// that start with 1f 8b exercise the gzip path with a fuzzed stream).
#include "advlab/core/error.h"
#include "advlab/data/load.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto [images, labels] = advlab::fuzz::split_two(data, size);
  auto images_path = advlab::fuzz::write_scratch("images.idx", images);
  auto labels_path = advlab::fuzz::write_scratch("labels.idx", labels);
  try {
    advlab::data::load_idx(images_path, labels_path);
  } catch (const advlab::Error&) {
  }
  return 0;
}
