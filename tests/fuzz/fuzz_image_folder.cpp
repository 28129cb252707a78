// An image folder of two classes, one file each: the two parts of the input, named .png
// and .jpg (stb picks the decoder from the bytes, not the name, so either part can reach
// any decoder).
#include "advlab/core/error.h"
#include "advlab/data/load.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto [first, second] = advlab::fuzz::split_two(data, size);
  auto dir = advlab::fuzz::scratch_dir() / "images";
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  advlab::fuzz::write_scratch("images/a/first.png", first);
  advlab::fuzz::write_scratch("images/b/second.jpg", second);
  try {
    advlab::data::load_image_folder(dir.string());
  } catch (const advlab::Error&) {
  }
  return 0;
}
