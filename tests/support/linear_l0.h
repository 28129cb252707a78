#pragma once
// Known L0 answers on a two-class linear model z = [m, -m], m = w.x + c, over [0, 1]^d.
// Changing input j moves m by at most its gain g_j = the larger of w_j (x_j - 0) and
// w_j (x_j - 1) in the direction that closes the margin, and gains of different inputs
// add up independently (the model is linear, the box a product of intervals). So a set S
// of changed inputs flips the class only if sum_{j in S} g_j > |m|, and the smallest such
// set takes the largest gains first: the exact minimum L0 is the least k whose k largest
// gains sum past |m|. The corner moves every input to the bound that closes the margin.
#include "support/linear_model.h"

#include <torch/torch.h>

namespace advlab::testing {

struct LinearL0Problem {
  torch::Tensor x;            // [n, d]
  torch::Tensor labels;       // [n]
  torch::Tensor exact;        // float [n]: the smallest number of inputs to change
  torch::Tensor total_gain;   // [n]: every input changed
  torch::Tensor margin;       // [n]: |m|
  torch::Tensor corner;       // [n, d]
  std::shared_ptr<TorchScriptClassifier> model;

  // The rows `keep`, as 1 x side x side images.
  LinearL0Problem select(const torch::Tensor& keep, int64_t side) const {
    LinearL0Problem p = *this;
    p.x = x.index_select(0, keep).view({-1, 1, side, side});
    p.corner = corner.index_select(0, keep).view({-1, 1, side, side});
    p.labels = labels.index_select(0, keep);
    p.exact = exact.index_select(0, keep);
    p.total_gain = total_gain.index_select(0, keep);
    p.margin = margin.index_select(0, keep);
    return p;
  }
};

// offset: the margin of the all-0.5 input (larger = more inputs needed).
inline LinearL0Problem linear_l0_problem(uint64_t seed, int64_t n, int64_t d, double offset) {
  torch::manual_seed(seed);
  auto w = torch::randn({d});
  auto x = torch::rand({n, d});
  const double c = offset - (w * 0.5).sum().item<double>();
  LinearL0Problem p;
  p.model = make_linear_classifier(torch::stack({w, -w}), torch::tensor({c, -c}).to(torch::kFloat));
  auto m = torch::mv(x, w) + c;
  p.labels = (m < 0).to(torch::kLong);
  // Label 0 (m > 0) lowers m: w_j > 0 moves to 0, w_j < 0 to 1; label 1 the reverse.
  auto sign = torch::where(m > 0, torch::ones_like(m), -torch::ones_like(m)).unsqueeze(1);
  auto sw = sign * w.unsqueeze(0);
  auto gains = torch::where(sw > 0, sw * x, -sw * (1 - x));
  auto cumulative = std::get<0>(gains.sort(1, /*descending=*/true)).cumsum(1);
  p.margin = m.abs();
  p.exact = (cumulative <= p.margin.unsqueeze(1)).sum(1).to(torch::kFloat) + 1;
  p.total_gain = cumulative.select(1, d - 1);
  p.corner = torch::where(sw > 0, torch::zeros_like(x), torch::ones_like(x));
  p.x = x;
  return p;
}

}  // namespace advlab::testing
