#pragma once
// Named tensors as bytes and back (torch's pickle format), for sending through the store.
// Values come back bitwise as they went in.
#include <torch/types.h>

#include <string>
#include <utility>
#include <vector>

namespace advlab::dist {

using NamedTensorList = std::vector<std::pair<std::string, torch::Tensor>>;

std::string tensors_to_bytes(const NamedTensorList& tensors);
// Throws advlab::Error for bytes that are not such a list.
NamedTensorList bytes_to_tensors(const std::string& bytes);

}  // namespace advlab::dist
