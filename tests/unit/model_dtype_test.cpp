// Models exported in float64 (`model.double()` before torch.jit.script): advlab gives them
// float64 images and works on float32 logits and gradients, with the model's own precision
// inside. Known answers on a linear model z = W x + b whose weights are float64. Half and
// bfloat16 models are refused with an error that names their dtype.
#include "advlab/attacks/registry.h"
#include "advlab/core/error.h"
#include "advlab/criteria/criterion.h"
#include "advlab/models/classifier.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

namespace advlab {
namespace {

struct DoubleLinear {
  torch::Tensor weight, bias;  // float64
  std::shared_ptr<TorchScriptClassifier> model;
};

DoubleLinear double_linear(int64_t classes, int64_t inputs) {
  torch::manual_seed(3);
  DoubleLinear p;
  p.weight = torch::randn({classes, inputs}, torch::kFloat64);
  p.bias = torch::randn({classes}, torch::kFloat64) * 0.1;
  torch::jit::Module m("__torch__.advlab_test.DoubleLinear");
  m.register_parameter("weight", p.weight.clone().requires_grad_(true), false);
  m.register_parameter("bias", p.bias.clone().requires_grad_(true), false);
  // matmul refuses mixed dtypes: a float32 image would fail here.
  m.define(R"(
def forward(self, x):
    return torch.linear(x.flatten(1), self.weight, self.bias)
)");
  p.model = std::make_shared<TorchScriptClassifier>(m);
  return p;
}

TEST(ModelDtype, AFloat64ModelGetsFloat64ImagesAndGivesFloat32Logits) {
  auto p = double_linear(10, 16);
  auto x = torch::rand({20, 1, 4, 4});
  auto expected = (x.to(torch::kFloat64).flatten(1).matmul(p.weight.t()) + p.bias).to(torch::kFloat32);
  auto logits = p.model->logits(x);
  EXPECT_EQ(logits.scalar_type(), torch::kFloat32);
  EXPECT_TRUE(torch::equal(logits, expected));
  // Forward-only queries take the same path (the float32 inference copy is not made).
  EXPECT_TRUE(torch::equal(p.model->query_logits(x), expected));
}

TEST(ModelDtype, InputGradientsOfAFloat64ModelAreItsWeightsInFloat32) {
  auto p = double_linear(10, 16);
  auto x = torch::rand({20, 1, 4, 4});
  auto pass = p.model->gradient_pass(x);
  auto upstream = torch::randn({20, 10});
  auto grad = pass->input_gradient(upstream, false);
  EXPECT_EQ(grad.scalar_type(), torch::kFloat32);
  auto expected = upstream.to(torch::kFloat64).matmul(p.weight).to(torch::kFloat32).view_as(x);
  EXPECT_TRUE(torch::allclose(grad, expected, 1e-6, 1e-6));
}

TEST(ModelDtype, PgdBreaksAFloat64ModelInsideTheBallAndTheBox) {
  auto p = double_linear(10, 16);
  auto x = torch::rand({32, 1, 4, 4});
  auto labels = p.model->logits(x).argmax(1);
  auto result = make_attack("pgd", {{"eps", "0.3"}, {"steps", "20"}})->run(*p.model, x, Misclassification(labels));
  auto delta = (result.adversarials - x).flatten(1).abs().amax(1);
  EXPECT_TRUE((delta <= 0.3 + 1e-6).all().item<bool>());
  EXPECT_GE(result.adversarials.min().item<double>(), 0.0);
  EXPECT_LE(result.adversarials.max().item<double>(), 1.0);
  // A random linear model with weights of size ~1 on 16 inputs falls to 0.3 nearly everywhere.
  EXPECT_GT(result.success.to(torch::kFloat64).mean().item<double>(), 0.8);
  // The success each attack reports is what the model says of the adversarials.
  EXPECT_TRUE(torch::equal(result.success, p.model->logits(result.adversarials).argmax(1) != labels));
}

TEST(ModelDtype, HalfAndBfloat16ModelsAreRefusedByName) {
  for (auto [dtype, name] : {std::pair{torch::kHalf, "Half"}, std::pair{torch::kBFloat16, "BFloat16"}}) {
    auto p = double_linear(10, 16);
    auto module = p.model->module().clone();
    module.to(dtype);
    try {
      TorchScriptClassifier model(module);
      ADD_FAILURE() << name << " model accepted";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(std::string("weights are ") + name), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("model.float()"), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace advlab
