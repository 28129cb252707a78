// Models cross between advlab and PyTorch in both directions with the same logits.
#include "advlab/attacks/registry.h"
#include "advlab/criteria/criterion.h"
#include "advlab/models/architectures.h"
#include "advlab/models/classifier.h"
#include "advlab/models/module_file.h"
#include "advlab/models/trainer.h"
#include "support/python.h"
#include "support/synthetic_data.h"
#include "support/temp_dir.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

namespace {

using namespace advlab::testing;

// Loads an advlab model in PyTorch, checks its attributes, saves its logits.
const char kEvaluateInPython[] = R"(
import sys, torch
model_path, io_path, out_path = sys.argv[1:4]
model = torch.jit.load(model_path)
model.eval()
assert list(model.input_shape) == [1, 12, 12], model.input_shape
assert model.num_classes == 4, model.num_classes
assert model.architecture == "small-cnn", model.architecture
data = torch.load(io_path)
with torch.no_grad():
    logits = model(data["x"])
torch.save({"x": data["x"], "logits": logits}, out_path)
)";

// Defines, traces and saves a PyTorch model, with an input and the logits it gives.
const char kTraceInPython[] = R"(
import sys, torch
from torch import nn
model_path, io_path = sys.argv[1:3]
torch.manual_seed(0)

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, padding=1)
        self.bn = nn.BatchNorm2d(8)
        self.fc = nn.Linear(8 * 8 * 8, 5)

    def forward(self, x):
        x = torch.max_pool2d(torch.relu(self.bn(self.conv(x))), 2)
        return self.fc(x.flatten(1))

net = Net()
net.train()
net(torch.rand(16, 3, 16, 16))  # gives batch norm non-trivial running statistics
net.eval()
x = torch.rand(4, 3, 16, 16)
traced = torch.jit.trace(net, x)
traced.save(model_path)
with torch.no_grad():
    logits = net(x)
torch.save({"x": x, "logits": logits}, io_path)
)";

class PyTorchInterop : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!python_torch_available()) GTEST_SKIP() << kSystemPython << " cannot import torch";
  }
  TempDir dir;
};

TEST_F(PyTorchInterop, AdvlabModelGivesSameLogitsInPython) {
  auto train = quadrant_dataset(64, 1, 12);
  advlab::models::ArchitectureOptions arch;
  arch.height = arch.width = 12;
  arch.num_classes = 4;
  auto module = advlab::models::make_architecture("small-cnn", arch);
  advlab::models::TrainOptions options;
  options.epochs = 1;
  options.batch_size = 16;
  advlab::models::train_classifier(module, train, options);
  advlab::models::save_module_atomic(module, dir.file("model.pt"));

  auto x = quadrant_dataset(8, 1, 12, 7).images;
  save_tensor_dict(dir.file("io.pt"), {{"x", x}});
  std::string args = dir.file("model.pt") + " " + dir.file("io.pt") + " " + dir.file("out.pt");
  ASSERT_EQ(run_python(dir.file("evaluate.py"), kEvaluateInPython, args, dir.file("log.txt")), 0)
      << read_text(dir.file("log.txt"));

  auto python_logits = load_tensor_dict(dir.file("out.pt")).at("logits");
  advlab::TorchScriptClassifier classifier(module);
  auto cpp_logits = classifier.logits(x).detach();
  ASSERT_EQ(python_logits.sizes(), cpp_logits.sizes());
  EXPECT_TRUE(torch::allclose(python_logits, cpp_logits, 1e-5, 1e-6))
      << (python_logits - cpp_logits).abs().max().item<double>();
}

TEST_F(PyTorchInterop, TracedPyTorchModelGivesSameLogitsAndGradients) {
  std::string args = dir.file("traced.pt") + " " + dir.file("io.pt");
  ASSERT_EQ(run_python(dir.file("trace.py"), kTraceInPython, args, dir.file("log.txt")), 0)
      << read_text(dir.file("log.txt"));

  auto io = load_tensor_dict(dir.file("io.pt"));
  auto classifier = advlab::TorchScriptClassifier::load(dir.file("traced.pt"));
  auto x = io.at("x").clone().requires_grad_();
  auto logits = classifier->logits(x);
  EXPECT_TRUE(torch::allclose(logits.detach(), io.at("logits"), 1e-5, 1e-6))
      << (logits.detach() - io.at("logits")).abs().max().item<double>();
  EXPECT_EQ(classifier->num_classes(), 5);

  logits.select(1, 0).sum().backward();
  ASSERT_TRUE(x.grad().defined());
  EXPECT_GT(x.grad().abs().sum().item<double>(), 0.0);

  // And it is attacked as it is: PGD flips its own predictions inside the budget.
  advlab::Misclassification criterion(logits.detach().argmax(1));
  auto result = advlab::make_attack("pgd", {{"eps", "0.3"}, {"steps", "20"}})
                    ->run(*classifier, io.at("x"), criterion, 0);
  EXPECT_GT(result.success.sum().item<int64_t>(), 0);
  EXPECT_LE((result.adversarials - io.at("x")).abs().max().item<double>(), 0.3 + 1e-5);
}

}  // namespace
