#pragma once
// Reads bytes written by torch::pickle_save or Python's torch.save, checking what
// LibTorch's unpickler does not: a pickle names each storage's element count and its data
// record separately, and LibTorch trusts the count, so a damaged or crafted file can make
// a tensor whose storage claims more bytes than its record holds (reading it runs past
// the buffer). Every reader of tensors from untrusted bytes goes through here.
#include <ATen/core/ivalue.h>
#include <torch/types.h>

#include <string>

namespace advlab::io {

struct Unpickled {
  c10::IValue value;
  // Empty, or what is wrong: an opcode whose sizes reach past the pickle (checked before
  // unpickling, src/io/pickle_scan.h), or the first tensor that reaches past its data.
  std::string damage;
};

// Throws what LibTorch throws for bytes that are not a pickle archive (c10::Error or a
// std::exception); damage the unpickler lets through is reported in `damage`.
Unpickled unpickle(const std::string& bytes);

// True when every element the tensor's sizes, strides and offset address lies within the
// first `bytes` bytes of its storage (an undefined or empty tensor always fits).
bool fits_bytes(const torch::Tensor& t, int64_t bytes);

}  // namespace advlab::io
