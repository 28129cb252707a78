#pragma once
// Built-in architectures, each a TorchScript module built in C++ (Module::define), so
// a model trained by advlab opens in PyTorch with torch.jit.load. Every module carries
// the attributes input_shape (List[int], [C, H, W]), num_classes (int) and architecture
// (str), and is returned in eval mode. Each also has a method features(x) returning the
// penultimate activations [N, F] (what forward's last linear layer reads), used by the
// GAN diagnostics (FID on a judge's features).
//   linear      one affine layer on the flattened input (known-answer tests)
//   mlp         two hidden layers of 256 with ReLU
//   small-cnn   2 conv (32, 64), each with ReLU and 2x2 max-pool, + 2 fc (128, classes);
//               the default for 28x28 data
//   lenet       LeNet-5 style (conv 6, conv 16, fc 120, fc 84)
//   resnet-small  a small ResNet (3 stages of basic blocks with batch norm) for 3-channel data
#include <torch/script.h>

#include <string>
#include <vector>

namespace advlab::models {

struct ArchitectureOptions {
  int64_t in_channels = 1;
  int64_t height = 28;
  int64_t width = 28;
  int64_t num_classes = 10;
  uint64_t seed = 0;  // parameter initialisation
};

std::vector<std::string> architecture_names();
// Throws advlab::Error for an unknown name (listing the known ones).
torch::jit::Module make_architecture(const std::string& name, const ArchitectureOptions& options);

}  // namespace advlab::models
