#pragma once
// A pickled tensor names its storage, offset, sizes and strides separately, and LibTorch's
// unpickler builds the tensor without checking that they fit: a damaged file can make a
// tensor that reads past its storage. Every reader of tensors from untrusted bytes checks
// them here first.
#include <torch/types.h>

#include <string>

namespace advlab::io {

// True when every element the tensor's sizes, strides and offset address lies inside its
// storage (an undefined or empty tensor fits).
bool fits_storage(const torch::Tensor& t);

// Throws advlab::Error "<where>: damaged tensor '<name>' (...)" unless fits_storage(t).
void check_fits_storage(const torch::Tensor& t, const std::string& where, const std::string& name);

}  // namespace advlab::io
