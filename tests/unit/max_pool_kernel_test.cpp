// The kernels advlab puts in LibTorch's dispatcher (torch_kernels.h). The 2x2 max pool
// against LibTorch's own: the same values and indices bit for bit on every shape (odd
// sizes, rows that end mid-block), with NaN, -inf and ties; the cases it leaves to
// LibTorch; the same input gradients through autograd; that a classifier puts it in the
// dispatcher's CPU slot. Single-channel convolutions against LibTorch's (oneDNN's)
// results, forward and every gradient, to float rounding.
#include "advlab/models/max_pool_kernel.h"
#include "advlab/models/single_channel_conv.h"

#include "advlab/models/classifier.h"
#include "advlab/models/architectures.h"
#include "advlab/models/torch_kernels.h"

#include <ATen/CPUFunctions.h>
#include <ATen/core/dispatch/Dispatcher.h>
#include <ATen/ops/convolution_backward_native.h>
#include <ATen/ops/mkldnn_convolution_native.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <limits>

namespace advlab {
namespace {

using Pool = std::tuple<at::Tensor, at::Tensor>;

Pool torch_pool(const at::Tensor& x, at::IntArrayRef k, at::IntArrayRef s = {}, at::IntArrayRef p = {0},
                at::IntArrayRef d = {1}, bool ceil = false) {
  return at::cpu::max_pool2d_with_indices(x, k, s, p, d, ceil);
}

Pool our_pool(const at::Tensor& x, at::IntArrayRef k, at::IntArrayRef s = {}, at::IntArrayRef p = {0},
              at::IntArrayRef d = {1}, bool ceil = false) {
  return fast_max_pool2d_with_indices(x, k, s, p, d, ceil);
}

// Values compared bit for bit, NaN included.
void expect_same(const Pool& want, const Pool& got, const std::string& what) {
  const auto& [wv, wi] = want;
  const auto& [gv, gi] = got;
  ASSERT_EQ(wv.sizes(), gv.sizes()) << what;
  EXPECT_TRUE(torch::equal(wi, gi)) << what;
  auto same_bits = torch::equal(wv.view(torch::kInt32), gv.view(torch::kInt32));
  EXPECT_TRUE(same_bits) << what;
}

// Random values with NaNs, -infs and runs of zeros (ReLU's ties) sprinkled in.
torch::Tensor awkward(std::vector<int64_t> shape, uint64_t seed) {
  auto g = at::make_generator<at::CPUGeneratorImpl>(seed);
  auto x = torch::randn(shape, g);
  auto flat = x.view(-1);
  const int64_t n = flat.numel();
  flat.index_put_({torch::randint(n, {std::max<int64_t>(1, n / 40)}, g)}, std::numeric_limits<float>::quiet_NaN());
  flat.index_put_({torch::randint(n, {std::max<int64_t>(1, n / 40)}, g)}, -std::numeric_limits<float>::infinity());
  flat.index_put_({torch::randint(n, {n / 3}, g)}, 0.0f);
  return x;
}

TEST(MaxPoolKernel, SameValuesAndIndicesAsLibTorchOnEveryShape) {
  uint64_t seed = 0;
  for (int64_t h : {2, 3, 4, 7, 14, 15, 28, 33})
    for (int64_t w : {2, 3, 5, 9, 14, 16, 17, 18, 31, 33, 40}) {
      auto x = awkward({3, 2, h, w}, ++seed);
      ASSERT_TRUE(max_pool_fast_case(x, {2, 2}, {}, {0}, {1}, false));
      expect_same(torch_pool(x, {2, 2}), our_pool(x, {2, 2}), c10::str(h, "x", w));
    }
  // A window of all -inf keeps its first index, one of NaNs its last NaN; 3-d input.
  auto x = torch::full({1, 4, 4}, -std::numeric_limits<float>::infinity());
  x[0][2][2] = x[0][3][3] = std::numeric_limits<float>::quiet_NaN();
  expect_same(torch_pool(x, {2}), our_pool(x, {2}), "3-d, -inf and NaN windows");
  EXPECT_EQ(std::get<1>(our_pool(x, {2}))[0][0][0].item<int64_t>(), 0);
  EXPECT_EQ(std::get<1>(our_pool(x, {2}))[0][1][1].item<int64_t>(), 15);
}

TEST(MaxPoolKernel, OtherCasesGoToLibTorch) {
  auto x = awkward({2, 3, 9, 10}, 7);
  EXPECT_FALSE(max_pool_fast_case(x, {3, 3}, {}, {0}, {1}, false));
  EXPECT_FALSE(max_pool_fast_case(x, {2, 2}, {1, 1}, {0}, {1}, false));
  EXPECT_FALSE(max_pool_fast_case(x, {2, 2}, {}, {1}, {1}, false));
  EXPECT_FALSE(max_pool_fast_case(x, {2, 2}, {}, {0}, {2}, false));
  EXPECT_FALSE(max_pool_fast_case(x, {2, 2}, {}, {0}, {1}, true));
  EXPECT_FALSE(max_pool_fast_case(x.to(torch::kDouble), {2, 2}, {}, {0}, {1}, false));
  EXPECT_FALSE(max_pool_fast_case(x.transpose(2, 3), {2, 2}, {}, {0}, {1}, false));
  EXPECT_FALSE(max_pool_fast_case(x.contiguous(at::MemoryFormat::ChannelsLast), {2, 2}, {}, {0}, {1}, false));
  EXPECT_FALSE(max_pool_fast_case(x.view({6, 9, 10}).view({54, 10}), {2, 2}, {}, {0}, {1}, false));
  expect_same(torch_pool(x, {3, 3}), our_pool(x, {3, 3}), "3x3");
  expect_same(torch_pool(x, {2, 2}, {1, 1}), our_pool(x, {2, 2}, {1, 1}), "stride 1");
  expect_same(torch_pool(x, {2, 2}, {}, {1}), our_pool(x, {2, 2}, {}, {1}), "padding 1");
  expect_same(torch_pool(x, {2, 2}, {}, {0}, {1}, true), our_pool(x, {2, 2}, {}, {0}, {1}, true), "ceil mode");
  auto t = x.transpose(2, 3);
  expect_same(torch_pool(t, {2, 2}), our_pool(t, {2, 2}), "transposed");
}

TEST(MaxPoolKernel, AClassifierRoutesLibTorchsPoolingThroughIt) {
  TorchScriptClassifier model(models::make_architecture("small-cnn", {}));  // puts the kernel in place
  ASSERT_TRUE(install_torch_kernels());
  auto op = c10::Dispatcher::singleton().findSchema({"aten::max_pool2d_with_indices", ""});
  ASSERT_TRUE(op.has_value());
  EXPECT_NE(op->dumpState().find("torch_kernels.cpp"), std::string::npos) << op->dumpState();
  // Input gradients through the model as LibTorch's kernel alone gives them.
  auto x = torch::rand({5, 1, 28, 28}, at::make_generator<at::CPUGeneratorImpl>(3)).requires_grad_(true);
  auto pooled = torch::max_pool2d(torch::relu(x * 3 - 1), {2, 2});
  auto [values, index] = torch_pool(torch::relu(x.detach() * 3 - 1), {2, 2});
  EXPECT_TRUE(torch::equal(pooled.detach(), values));
  auto upstream = torch::randn(pooled.sizes(), at::make_generator<at::CPUGeneratorImpl>(4));
  auto grad = torch::autograd::grad({pooled}, {x}, {upstream})[0];
  auto relu_grad = (x.detach() * 3 - 1 > 0).to(torch::kFloat) * 3;
  auto want = at::max_pool2d_with_indices_backward(upstream, torch::relu(x.detach() * 3 - 1), {2, 2}, {2, 2}, {0, 0},
                                                   {1, 1}, false, index) * relu_grad;
  EXPECT_TRUE(torch::equal(grad, want));
  EXPECT_EQ(model.logits(x.detach()).size(1), 10);
}

TEST(SingleChannelConv, AgreesWithLibTorchForwardAndBackward) {
  auto g = at::make_generator<at::CPUGeneratorImpl>(11);
  struct Case {
    int64_t out, kernel, stride, padding, height;
  };
  // Kernels are called below autograd, as the dispatcher calls them.
  at::AutoDispatchBelowADInplaceOrView below_autograd;
  for (auto c : {Case{32, 3, 1, 1, 28}, Case{8, 5, 2, 0, 17}, Case{64, 3, 2, 1, 9}}) {
    auto x = torch::rand({5, 1, c.height, c.height}, g);
    auto w = torch::randn({c.out, 1, c.kernel, c.kernel}, g);
    auto b = torch::randn({c.out}, g);
    ASSERT_TRUE(single_channel_conv_case(x, w, {1, 1}, 1));
    auto ours = single_channel_conv_forward(x, w, b, {c.padding, c.padding}, {c.stride, c.stride}, {1, 1}, 1);
    auto want = at::native::mkldnn_convolution(x, w, b, {c.padding, c.padding}, {c.stride, c.stride}, {1, 1}, 1);
    ASSERT_EQ(ours.sizes(), want.sizes());
    EXPECT_TRUE(torch::allclose(ours, want, 1e-5, 1e-5)) << (ours - want).abs().max().item<float>();
    auto upstream = torch::randn(ours.sizes(), g);
    std::vector<int64_t> bias_sizes{c.out};
    auto [gx, gw, gb] = single_channel_conv_backward(upstream, x, w, c10::fromIntArrayRefUnchecked(bias_sizes),
                                                     {c.stride, c.stride}, {c.padding, c.padding}, {1, 1}, false, {0, 0},
                                                     1, {true, true, true});
    auto [wx, ww, wb] = at::native::convolution_backward(upstream, x, w, at::IntArrayRef(bias_sizes),
                                                         {c.stride, c.stride}, {c.padding, c.padding}, {1, 1}, false,
                                                         {0, 0}, 1, {true, true, true});
    EXPECT_TRUE(torch::allclose(gx, wx, 1e-4, 1e-4)) << (gx - wx).abs().max().item<float>();
    EXPECT_TRUE(torch::allclose(gw, ww, 1e-3, 1e-3)) << (gw - ww).abs().max().item<float>();
    EXPECT_TRUE(torch::allclose(gb, wb, 1e-3, 1e-3));
  }
  // Other convolutions are not this case (oneDNN keeps them).
  auto x3 = torch::rand({2, 3, 8, 8});
  EXPECT_FALSE(single_channel_conv_case(x3, torch::rand({4, 3, 3, 3}), {1, 1}, 1));
  EXPECT_FALSE(single_channel_conv_case(torch::rand({2, 1, 8, 8}), torch::rand({4, 1, 3, 3}), {2, 2}, 1));
  EXPECT_FALSE(single_channel_conv_case(torch::rand({2, 1, 8, 8}).to(torch::kDouble),
                                        torch::rand({4, 1, 3, 3}).to(torch::kDouble), {1, 1}, 1));
  EXPECT_FALSE(single_channel_conv_case(torch::rand({2, 1, 8, 8}), torch::rand({4, 1, 3, 3}), {1, 1}, 1, true));
}

}  // namespace
}  // namespace advlab
