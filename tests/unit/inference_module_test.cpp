// The inference-optimised copy (inference_module.h) behind TorchScriptClassifier's
// query_logits(): same logits to float rounding, logits() (predictions, verification,
// gradients) still the module as loaded, bit for bit, and shapes the module never
// accepted never reach the copy (whose oneDNN convolutions would crash on a wrong channel
// count instead of throwing).
#include "advlab/core/error.h"
#include "advlab/models/architectures.h"
#include "advlab/models/classifier.h"
#include "advlab/models/inference_module.h"
#include "advlab/models/torch_kernels.h"

#include <gtest/gtest.h>
#include <torch/csrc/jit/python/update_graph_executor_opt.h>
#include <torch/torch.h>

namespace advlab {
namespace {

torch::jit::Module small_cnn() { return models::make_architecture("small-cnn", {}); }

TEST(InferenceModule, AgreesWithThePlainModuleToRounding) {
  auto module = small_cnn();
  auto copy = make_inference_module(module);
  ASSERT_TRUE(copy.has_value());
  torch::manual_seed(0);
  auto x = torch::rand({16, 1, 28, 28});
  torch::NoGradGuard no_grad;
  auto plain = module.forward({x}).toTensor();
  auto fast = copy->forward({x}).toTensor();
  EXPECT_TRUE(torch::allclose(plain, fast, 1e-4, 1e-5)) << (plain - fast).abs().max().item<double>();
}

// Modules exported from PyTorch call their submodules' methods; LibTorch 2.x's freezing
// inlines them only through TorchScript's optimiser (and fails on a module scripted in the
// same Python process without it), which advlab's model calls switch off on their thread.
TEST(InferenceModule, InlinesSubmodulesWhileTheExecutorIsPlain) {
  torch::jit::Module child("Child");
  child.register_parameter("weight", torch::randn({10, 784}), false);
  child.define("def forward(self, x):\n    return torch.relu(x.flatten(1).matmul(self.weight.t()))\n");
  torch::jit::Module parent("Parent");
  parent.register_module("child", child);
  parent.define("def forward(self, x):\n    return self.child.forward(x) * 2.0\n");
  GraphExecutorOptimize plain(false);
  auto copy = make_inference_module(parent);
  ASSERT_TRUE(copy.has_value());
  for (const auto* node : copy->get_method("forward").graph()->nodes())
    EXPECT_NE(node->kind(), c10::prim::CallMethod) << *copy->get_method("forward").graph();
  auto x = torch::rand({3, 1, 28, 28});
  torch::NoGradGuard no_grad;
  EXPECT_TRUE(torch::allclose(copy->forward({x}).toTensor(), parent.forward({x}).toTensor(), 1e-4, 1e-5));
  EXPECT_FALSE(torch::jit::getGraphExecutorOptimize());  // the guard in make_inference_module gave it back
}

TEST(InferenceModule, OnlyQueryLogitsUseItAndOnlyForAcceptedShapes) {
  ClassifierOptions fast_options, plain_options;
  plain_options.optimize_forward = false;
  TorchScriptClassifier fast(small_cnn(), fast_options), plain(small_cnn(), plain_options);
  torch::manual_seed(1);
  auto x = torch::rand({20, 1, 28, 28});
  auto reference = plain.query_logits(x);  // no copy: the module as loaded
  EXPECT_TRUE(torch::equal(reference, plain.logits(x).detach()));
  auto first = fast.query_logits(x);   // a new shape: through the module as loaded
  auto second = fast.query_logits(x);  // accepted now: through the optimised copy
  EXPECT_TRUE(torch::equal(first, reference));
  EXPECT_TRUE(torch::allclose(second, reference, 1e-4, 1e-5));
  // logits(), which predictions and verification use, is the module as loaded, bit for
  // bit, with gradients off or on; with them on the input gradient exists.
  {
    torch::NoGradGuard no_grad;
    EXPECT_TRUE(torch::equal(fast.logits(x), reference));
  }
  auto input = x.clone().requires_grad_(true);
  auto with_graph = fast.logits(input);
  EXPECT_TRUE(torch::equal(with_graph.detach(), reference));
  auto grad = torch::autograd::grad({with_graph.sum()}, {input})[0];
  EXPECT_GT(grad.abs().sum().item<double>(), 0);
  // A wrong channel count is the module's error, not a crash in the copy.
  EXPECT_THROW(fast.query_logits(torch::rand({4, 3, 28, 28})), Error);
  EXPECT_THROW(fast.query_logits(torch::rand({4, 3, 28, 28})), Error);
}

}  // namespace
}  // namespace advlab
