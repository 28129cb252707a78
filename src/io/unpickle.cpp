#include "advlab/io/unpickle.h"

#include "pickle_scan.h"

#include <caffe2/serialize/inline_container.h>
#include <torch/csrc/jit/serialization/unpickler.h>

#include <algorithm>
#include <cstring>
#include <functional>
#include <limits>
#include <sstream>
#include <tuple>
#include <unordered_map>

namespace advlab::io {
namespace {

// Walks dicts, lists and tuples; returns the first tensor `bad` says is damaged.
std::string first_damage(const c10::IValue& v, const std::function<std::string(const torch::Tensor&)>& bad) {
  if (v.isTensor()) return bad(v.toTensor());
  if (v.isGenericDict()) {
    for (const auto& entry : v.toGenericDict()) {
      auto d = first_damage(entry.value(), bad);
      if (!d.empty()) return d;
    }
  } else if (v.isList()) {
    for (const auto& item : v.toListRef()) {
      auto d = first_damage(item, bad);
      if (!d.empty()) return d;
    }
  } else if (v.isTuple()) {
    for (const auto& item : v.toTupleRef().elements()) {
      auto d = first_damage(item, bad);
      if (!d.empty()) return d;
    }
  }
  return "";
}

}  // namespace

bool fits_bytes(const torch::Tensor& t, int64_t bytes) {
  if (!t.defined() || t.numel() == 0) return true;
  if (!t.has_storage() || t.storage_offset() < 0) return false;
  // The furthest element addressed, in elements; the sizes and strides come from the
  // file, so every step is guarded against overflow.
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max() / 2;
  int64_t last = t.storage_offset();
  for (int64_t d = 0; d < t.dim(); ++d) {
    int64_t size = t.size(d), stride = t.stride(d);
    if (stride < 0) return false;
    if (stride > 0 && (size - 1) > (kMax - last) / stride) return false;
    last += (size - 1) * stride;
  }
  auto item = static_cast<int64_t>(t.element_size());
  if (last >= kMax / item) return false;
  return (last + 1) * item <= bytes;
}

Unpickled unpickle(const std::string& bytes) {
  // What torch::pickle_load does, with the record reader noting each record's size by
  // the address of the buffer it returns, which becomes the storage's data.
  std::istringstream stream(bytes);
  caffe2::serialize::PyTorchStreamReader archive(&stream);
  at::DataPtr pickle;
  size_t pickle_size = 0;
  std::tie(pickle, pickle_size) = archive.getRecord("data.pkl");
  const char* pickle_bytes = static_cast<const char*>(pickle.get());
  Unpickled out;
  out.damage = pickle_damage(pickle_bytes, pickle_size);
  if (!out.damage.empty()) return out;
  size_t consumed = 0;
  auto read = [&](char* buffer, size_t n) -> size_t {
    n = std::min(n, pickle_size - consumed);
    if (n > 0) std::memcpy(buffer, pickle_bytes + consumed, n);
    consumed += n;
    return n;
  };
  std::unordered_map<const void*, size_t> record_bytes;
  auto read_record = [&](const std::string& key) {
    at::DataPtr data;
    size_t size = 0;
    std::tie(data, size) = archive.getRecord("data/" + key);
    record_bytes[data.get()] = size;
    return data;
  };
  torch::jit::Unpickler unpickler(read, nullptr, nullptr, read_record, c10::nullopt);
  unpickler.set_version(archive.version());
  out.value = unpickler.parse_ivalue();
  out.damage = first_damage(out.value, [&](const torch::Tensor& t) -> std::string {
    if (!t.defined() || t.numel() == 0) return "";
    int64_t stored = 0;
    if (t.has_storage()) {
      auto it = record_bytes.find(t.storage().data());
      if (it != record_bytes.end())
        stored = std::min(static_cast<int64_t>(it->second), static_cast<int64_t>(t.storage().nbytes()));
    }
    if (fits_bytes(t, stored)) return "";
    std::ostringstream what;
    what << "a tensor of shape " << t.sizes() << " reaches past its " << stored << " stored bytes";
    return what.str();
  });
  return out;
}

}  // namespace advlab::io
