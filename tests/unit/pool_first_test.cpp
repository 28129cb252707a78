// The pool-first copy (pool_first.h): the same logits and input gradients as the module
// as loaded, bit for bit, on advlab's architectures and on modules written the ways
// PyTorch users write them (ReLU in a submodule, in place, read twice); parameters shared
// with the original; the original's graph untouched; a classifier runs through it.
#include "advlab/models/pool_first.h"

#include "advlab/models/architectures.h"
#include "advlab/models/classifier.h"
#include "advlab/models/torch_kernels.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <sstream>

namespace advlab {
namespace {

struct Pass {
  torch::Tensor logits, grad;
};

Pass pass(torch::jit::Module& m, const torch::Tensor& x) {
  GraphExecutorOptimize plain(false);  // as TorchScriptClassifier runs models on the CPU
  auto input = x.detach().clone().requires_grad_(true);
  auto out = m.forward({input}).toTensor();
  auto upstream = torch::randn(out.sizes(), at::make_generator<at::CPUGeneratorImpl>(11));
  return {out.detach(), torch::autograd::grad({out}, {input}, {upstream})[0]};
}

bool same_bits(const torch::Tensor& a, const torch::Tensor& b) {
  return a.sizes() == b.sizes() && torch::equal(a.contiguous().view(torch::kInt32), b.contiguous().view(torch::kInt32));
}

std::string graph_text(torch::jit::Module& m) {
  std::ostringstream s;
  s << *m.get_method("forward").graph();
  return s.str();
}

// Inputs centred on zero: many windows with every value below zero, some ties at zero.
torch::Tensor mixed_input(std::vector<int64_t> shape, uint64_t seed) {
  auto g = at::make_generator<at::CPUGeneratorImpl>(seed);
  auto x = torch::randn(shape, g);
  return torch::where(torch::rand(shape, g) < 0.2, torch::zeros_like(x), x);
}

void expect_same_passes(torch::jit::Module& original, const std::vector<int64_t>& shape, const std::string& what,
                        bool expect_copy = true) {
  const auto before = graph_text(original);
  auto copy = make_pool_first_module(original);
  ASSERT_EQ(copy.has_value(), expect_copy) << what;
  EXPECT_EQ(graph_text(original), before) << what << ": the original's graph changed";
  if (!copy) return;
  for (uint64_t seed : {1, 2, 3}) {
    auto x = mixed_input(shape, seed);
    auto want = pass(original, x), got = pass(*copy, x);
    EXPECT_TRUE(same_bits(want.logits, got.logits)) << what << " seed " << seed;
    EXPECT_TRUE(same_bits(want.grad, got.grad)) << what << " seed " << seed;
  }
}

TEST(PoolFirst, AdvlabArchitecturesGiveTheSameBits) {
  for (const char* name : {"small-cnn", "lenet"}) {
    auto m = models::make_architecture(name, {});
    m.eval();
    expect_same_passes(m, {7, 1, 28, 28}, name);
  }
  models::ArchitectureOptions rgb;
  rgb.in_channels = 3, rgb.height = rgb.width = 32;
  auto resnet = models::make_architecture("resnet-small", rgb);
  resnet.eval();
  auto copy = make_pool_first_module(resnet);
  if (copy) {  // only where it has a ReLU feeding a max pool
    auto x = mixed_input({4, 3, 32, 32}, 5);
    auto want = pass(resnet, x), got = pass(*copy, x);
    EXPECT_TRUE(same_bits(want.logits, got.logits) && same_bits(want.grad, got.grad));
  }
}

TEST(PoolFirst, ReachesIntoSubmodulesAndInPlaceReLUs) {
  torch::jit::Module act("Act");
  act.define("def forward(self, x):\n    return torch.relu_(x)\n");
  torch::jit::Module net("Net");
  net.register_parameter("w", torch::randn({6, 2, 3, 3}), false);
  net.register_parameter("fc", torch::randn({5, 6 * 4 * 4}), false);
  net.register_module("act", act);
  net.define(R"(
def forward(self, x):
    y = torch.conv2d(x, self.w, None, [1, 1], [1, 1])
    y = torch.max_pool2d(self.act.forward(y), [3, 3], [2, 2], [1, 1], [1, 1], True)
    return torch.max_pool2d(torch.relu(y), [2, 2]).flatten(1).matmul(self.fc.t())
)");
  net.eval();
  auto copy = make_pool_first_module(net);
  ASSERT_TRUE(copy.has_value());
  const auto text = graph_text(*copy);
  EXPECT_EQ(text.find("prim::CallMethod"), std::string::npos) << text;
  expect_same_passes(net, {3, 2, 15, 15}, "submodule, in-place ReLU, padded ceil-mode pool");
}

TEST(PoolFirst, LeavesAReLUReadElsewhere) {
  torch::jit::Module net("Twice");
  net.define(R"(
def forward(self, x):
    r = torch.relu(x)
    return torch.max_pool2d(r, [2, 2]).flatten(1)[:, 0:4] + r.flatten(1)[:, 0:4]
)");
  expect_same_passes(net, {2, 3, 8, 8}, "relu read twice", /*expect_copy=*/false);
  auto graph = net.get_method("forward").graph()->copy();
  EXPECT_EQ(move_pools_before_relus(graph), 0);
  // An in-place ReLU on a view changes the tensor it views, which is read afterwards.
  torch::jit::Module view("InPlaceOnAView");
  view.define(R"(
def forward(self, x):
    y = x * 2.0
    r = torch.relu_(y[:, 0:2])
    return torch.max_pool2d(r, [2, 2]).flatten(1)[:, 0:4] + y.flatten(1)[:, 0:4]
)");
  expect_same_passes(view, {2, 3, 8, 8}, "in-place relu on a view", /*expect_copy=*/false);
}

TEST(PoolFirst, SharesTheOriginalsParameters) {
  auto m = models::make_architecture("small-cnn", {});
  m.eval();
  auto copy = make_pool_first_module(m);
  ASSERT_TRUE(copy.has_value());
  auto x = mixed_input({3, 1, 28, 28}, 8);
  auto before = pass(*copy, x).logits;
  {
    torch::NoGradGuard no_grad;
    for (auto p : m.parameters()) p.mul_(1.5);  // a training step, in place
  }
  auto after = pass(*copy, x);
  EXPECT_FALSE(torch::equal(before, after.logits));
  EXPECT_TRUE(same_bits(pass(m, x).logits, after.logits));
}

TEST(PoolFirst, AClassifierGivesTheModulesBits) {
  if (!torch_kernels_enabled()) GTEST_SKIP() << "ADVLAB_TORCH_KERNELS=0: the module as written";
  auto m = models::make_architecture("small-cnn", {});
  ClassifierOptions whole;
  whole.pass_rows = 0;  // one model call per batch, as `pass` makes it
  TorchScriptClassifier model(m, whole);
  auto x = mixed_input({21, 1, 28, 28}, 9).clamp(0, 1);
  auto want = pass(m, x);
  auto pass_ = model.gradient_pass(x);
  auto upstream = torch::randn(want.logits.sizes(), at::make_generator<at::CPUGeneratorImpl>(11));
  EXPECT_TRUE(same_bits(pass_->logits(), want.logits));
  EXPECT_TRUE(same_bits(pass_->input_gradient(upstream, false), want.grad));
  EXPECT_TRUE(same_bits(model.logits(x), want.logits));
}

}  // namespace
}  // namespace advlab
