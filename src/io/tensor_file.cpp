// Stored through torch::pickle_save, the same format as Python's torch.save, so results
// can be inspected with `torch.load(path)` without any advlab code.
#include "advlab/io/tensor_file.h"

#include "advlab/core/error.h"
#include "advlab/io/atomic_file.h"
#include "advlab/io/unpickle.h"
#include "advlab/io/zip_check.h"
#include "read_file.h"

#include <torch/serialize.h>

#include <vector>

namespace advlab::io {
namespace {

// c10::Error messages carry a C++ backtrace over many lines; keep the first.
std::string first_line(const std::string& text) { return text.substr(0, text.find('\n')); }

}  // namespace

void save_tensors(const std::string& path, const NamedTensors& tensors) {
  c10::Dict<std::string, at::Tensor> dict;
  for (const auto& [name, tensor] : tensors) {
    ADVLAB_CHECK(tensor.defined(), path, ": tensor '", name, "' is undefined");
    ADVLAB_CHECK(!dict.contains(name), path, ": duplicate tensor name '", name, "'");
    dict.insert(name, tensor.detach().to(torch::kCPU).contiguous());
  }
  std::vector<char> bytes = torch::pickle_save(c10::IValue(dict));
  write_file_atomic(path, std::string(bytes.begin(), bytes.end()));
}

NamedTensors load_tensors(const std::string& path) {
  // LibTorch's zip reader trusts the archive's directory (a damaged one crashed it).
  verify_zip_checksums(path);
  std::string bytes = read_file_bytes(path);
  Unpickled unpickled;
  try {
    unpickled = unpickle(bytes);
  } catch (const c10::Error& e) {
    throw Error(
        c10::str(path, ": not a tensor file (", first_line(e.what_without_backtrace()), ")"));
  } catch (const std::exception& e) {  // the unpickler also lets std::out_of_range through
    throw Error(c10::str(path, ": not a tensor file (", first_line(e.what()), ")"));
  }
  ADVLAB_CHECK(unpickled.damage.empty(), path, ": damaged tensor file (", unpickled.damage, ")");
  const auto& value = unpickled.value;
  ADVLAB_CHECK(value.isGenericDict(), path, ": expected a dict of tensors, found ",
               value.tagKind());
  NamedTensors out;
  for (const auto& entry : value.toGenericDict()) {
    ADVLAB_CHECK(entry.key().isString() && entry.value().isTensor(), path,
                 ": expected a dict of str -> tensor");
    out.emplace_back(entry.key().toStringRef(), entry.value().toTensor());
  }
  return out;
}

}  // namespace advlab::io
