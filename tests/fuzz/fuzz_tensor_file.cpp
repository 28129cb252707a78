// advlab's tensor files (adversarials.pt, eval states): torch.save's zip format.
#include "advlab/core/error.h"
#include "advlab/io/tensor_file.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto path = advlab::fuzz::write_scratch(
      "tensors.pt", std::string_view(reinterpret_cast<const char*>(data), size));
  try {
    advlab::io::load_tensors(path);
  } catch (const advlab::Error&) {
  }
  return 0;
}
