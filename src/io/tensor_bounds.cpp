#include "advlab/io/tensor_bounds.h"

#include "advlab/core/error.h"

#include <limits>

namespace advlab::io {

bool fits_storage(const torch::Tensor& t) {
  if (!t.defined() || t.numel() == 0) return true;
  if (!t.has_storage()) return false;
  // The furthest element, in elements from the storage's start; every step is checked
  // against overflow, since the sizes and strides come from the file.
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max() / 2;
  int64_t last = t.storage_offset();
  if (last < 0) return false;
  for (int64_t d = 0; d < t.dim(); ++d) {
    int64_t size = t.size(d), stride = t.stride(d);
    if (size <= 0 || stride < 0) return false;
    if (size > 1 && stride > 0 && (size - 1) > (kMax - last) / stride) return false;
    last += (size - 1) * stride;
  }
  auto item = static_cast<int64_t>(t.element_size());
  if (last >= kMax / item) return false;
  return (last + 1) * item <= static_cast<int64_t>(t.storage().nbytes());
}

void check_fits_storage(const torch::Tensor& t, const std::string& where, const std::string& name) {
  ADVLAB_CHECK(fits_storage(t), where, ": damaged tensor '", name, "' (its shape ", t.sizes(),
               " reaches past its stored data)");
}

}  // namespace advlab::io
