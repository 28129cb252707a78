#include "advlab/data/dataset.h"

#include "advlab/io/crc32.h"

#include <algorithm>

namespace advlab::data {

Dataset Dataset::slice(int64_t start, int64_t count) const {
  Dataset out = *this;
  int64_t n = size();
  start = std::clamp<int64_t>(start, 0, n);
  int64_t end = std::clamp<int64_t>(start + count, start, n);
  out.images = images.slice(0, start, end);
  out.labels = labels.slice(0, start, end);
  return out;
}

Dataset Dataset::head(int64_t count) const {
  if (count <= 0 || count >= size()) return *this;
  return slice(0, count);
}

Dataset Dataset::select(const torch::Tensor& index) const {
  Dataset out = *this;
  auto i = index.to(torch::kCPU, torch::kLong);
  out.images = images.index_select(0, i);
  out.labels = labels.index_select(0, i);
  return out;
}

std::string Dataset::content_crc32() const {
  auto x = images.to(torch::kCPU, torch::kFloat32).contiguous();
  auto y = labels.to(torch::kCPU, torch::kLong).contiguous();
  auto crc = io::crc32_of_bytes(x.data_ptr(), x.numel() * sizeof(float));
  return io::hex32(io::crc32_of_bytes(y.data_ptr(), y.numel() * sizeof(int64_t), crc));
}

}  // namespace advlab::data
