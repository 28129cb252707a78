// The inference-optimised copy (inference_module.h) behind TorchScriptClassifier's passes
// without gradient: same logits to float rounding, gradients still through the module as
// loaded, and shapes the module never accepted never reach the copy (whose oneDNN
// convolutions would crash on a wrong channel count instead of throwing).
#include "advlab/core/error.h"
#include "advlab/models/architectures.h"
#include "advlab/models/classifier.h"
#include "advlab/models/inference_module.h"

#include <gtest/gtest.h>
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

TEST(InferenceModule, ClassifierUsesItOnlyWithoutGradientAndForAcceptedShapes) {
  ClassifierOptions fast_options, plain_options;
  plain_options.optimize_forward = false;
  TorchScriptClassifier fast(small_cnn(), fast_options), plain(small_cnn(), plain_options);
  torch::manual_seed(1);
  auto x = torch::rand({20, 1, 28, 28});
  torch::Tensor first, second, reference;
  {
    torch::NoGradGuard no_grad;
    first = fast.logits(x);   // a new shape: through the module as loaded
    second = fast.logits(x);  // accepted now: through the optimised copy
    reference = plain.logits(x);
  }
  EXPECT_TRUE(torch::equal(first, reference));
  EXPECT_TRUE(torch::allclose(second, reference, 1e-4, 1e-5));
  // With gradients on: the module as loaded, bit for bit, and the input gradient exists.
  auto input = x.clone().requires_grad_(true);
  auto with_graph = fast.logits(input);
  EXPECT_TRUE(torch::equal(with_graph.detach(), reference));
  auto grad = torch::autograd::grad({with_graph.sum()}, {input})[0];
  EXPECT_GT(grad.abs().sum().item<double>(), 0);
  // A wrong channel count is the module's error, not a crash in the copy.
  torch::NoGradGuard no_grad;
  EXPECT_THROW(fast.logits(torch::rand({4, 3, 28, 28})), Error);
  EXPECT_THROW(fast.logits(torch::rand({4, 3, 28, 28})), Error);
}

}  // namespace
}  // namespace advlab
