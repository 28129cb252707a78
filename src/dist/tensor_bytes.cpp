#include "advlab/dist/tensor_bytes.h"

#include "advlab/core/error.h"
#include "advlab/io/unpickle.h"

#include <torch/serialize.h>

namespace advlab::dist {

std::string tensors_to_bytes(const NamedTensorList& tensors) {
  c10::List<std::string> names;
  c10::impl::GenericList values(c10::AnyType::get());
  for (const auto& [name, t] : tensors) {
    names.push_back(name);
    values.push_back(t.defined() ? c10::IValue(t.detach().to(torch::kCPU).contiguous()) : c10::IValue());
  }
  auto bytes = torch::pickle_save(c10::ivalue::Tuple::create({names, values}));
  return {bytes.begin(), bytes.end()};
}

NamedTensorList bytes_to_tensors(const std::string& bytes) {
  NamedTensorList out;
  try {
    auto unpickled = io::unpickle(bytes);
    if (!unpickled.damage.empty()) throw Error(unpickled.damage);
    const auto& value = unpickled.value;
    const auto& items = value.toTupleRef().elements();
    auto names = items.at(0).toList();
    auto values = items.at(1).toList();
    for (size_t i = 0; i < names.size(); ++i)
      out.emplace_back(names.get(i).toStringRef(), values.get(i).isNone() ? at::Tensor() : values.get(i).toTensor());
  } catch (const std::exception& e) {  // c10::Error, or the unpickler's own
    throw Error(c10::str("distributed: damaged tensor message: ", first_message_line(e.what())));
  }
  return out;
}

}  // namespace advlab::dist
