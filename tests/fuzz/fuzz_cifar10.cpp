// A CIFAR-10 test directory: batches.meta.txt (first part; absent when empty) and
// test_batch.bin (second part).
#include "advlab/core/error.h"
#include "advlab/data/load.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto [meta, batch] = advlab::fuzz::split_two(data, size);
  auto dir = advlab::fuzz::scratch_dir() / "cifar";
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  if (!meta.empty()) advlab::fuzz::write_scratch("cifar/batches.meta.txt", meta);
  advlab::fuzz::write_scratch("cifar/test_batch.bin", batch);
  try {
    advlab::data::load_cifar10(dir.string(), false);
  } catch (const advlab::Error&) {
  }
  return 0;
}
