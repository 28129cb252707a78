// eval --resume states (OUT.state.pt): a tensor file holding a JSON 'meta' record and the
// per-eps tensors it names.
#include "advlab/core/error.h"
#include "advlab/eval/evaluation_state.h"
#include "fuzz_models.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const nlohmann::json identity = advlab::fuzz::evaluation_identity();
  auto path = advlab::fuzz::write_scratch(
      "eval.state.pt", std::string_view(reinterpret_cast<const char*>(data), size));
  try {
    advlab::eval::load_evaluation_state(path, identity);
  } catch (const advlab::Error&) {
  }
  return 0;
}
