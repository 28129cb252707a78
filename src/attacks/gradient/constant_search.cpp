#include "advlab/attacks/gradient/constant_search.h"

#include <torch/torch.h>

namespace advlab {

namespace {
constexpr double kNoUpperBound = 1e10;
}

ConstantSearch::ConstantSearch(int64_t n, double initial, const torch::TensorOptions& options)
    : lower_(torch::zeros({n}, options.dtype(torch::kFloat64))),
      upper_(torch::full({n}, kNoUpperBound, options.dtype(torch::kFloat64))),
      c_(torch::full({n}, initial, options.dtype(torch::kFloat64))) {}

void ConstantSearch::update(const torch::Tensor& success) {
  auto ok = success.to(c_.device(), torch::kBool);
  upper_ = torch::where(ok, torch::minimum(upper_, c_), upper_);
  lower_ = torch::where(ok, lower_, torch::maximum(lower_, c_));
  auto bounded = upper_ < kNoUpperBound / 10;
  c_ = torch::where(bounded, (lower_ + upper_) / 2, c_ * 10);
}

}  // namespace advlab
