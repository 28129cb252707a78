#include "advlab/models/fixed_row_passes.h"

#include <torch/torch.h>

#include <vector>

namespace advlab {

torch::Tensor run_in_fixed_rows(const torch::Tensor& x, int64_t rows, const ModelPass& pass) {
  const int64_t n = x.size(0);
  if (rows <= 0 || n == rows || n == 0) return pass(x);  // an empty batch: nothing to pad from
  std::vector<torch::Tensor> outputs;
  outputs.reserve(static_cast<size_t>((n + rows - 1) / rows));
  for (int64_t start = 0; start < n; start += rows) {
    const int64_t count = std::min(rows, n - start);
    auto slice = x.narrow(0, start, count);
    if (count < rows) {
      auto shape = x.sizes().vec();
      shape[0] = rows - count;
      slice = torch::cat({slice, x.narrow(0, 0, 1).detach().expand(shape)});
    }
    outputs.push_back(pass(slice).narrow(0, 0, count));
  }
  return outputs.size() == 1 ? outputs.front() : torch::cat(outputs);
}

}  // namespace advlab
