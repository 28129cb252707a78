#pragma once
// Named tensors saved in PyTorch's pickle format: `torch.load(path)` in Python returns a
// dict {name: tensor}. Written atomically.
#include <torch/types.h>

#include <string>
#include <utility>
#include <vector>

namespace advlab::io {

using NamedTensors = std::vector<std::pair<std::string, torch::Tensor>>;

void save_tensors(const std::string& path, const NamedTensors& tensors);
// Reads a file written by save_tensors (or torch.save of a dict of tensors).
NamedTensors load_tensors(const std::string& path);

}  // namespace advlab::io
