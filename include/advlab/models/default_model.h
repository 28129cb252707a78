#pragma once
// The default model of the main job and the benchmarks: small-cnn trained on all of
// Fashion-MNIST's training set, cached as a TorchScript file so it is trained once.
#include <cstdint>
#include <iosfwd>
#include <string>

namespace advlab::models {

struct DefaultModelOptions {
  std::string cache = "cache/fashion-small-cnn.pt";
  int64_t epochs = 2;
  uint64_t seed = 0;
  std::ostream* progress = nullptr;
};

// Returns options.cache, training the model first if the file does not exist (an
// interrupted training resumes from CACHE.ckpt).
std::string ensure_default_model(const DefaultModelOptions& options);

}  // namespace advlab::models
