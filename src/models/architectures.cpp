#include "advlab/models/architectures.h"

#include "advlab/core/error.h"
#include "script_module_builder.h"

#include <c10/util/StringUtil.h>

namespace advlab::models {

namespace {

using Options = ArchitectureOptions;

int64_t flat_size(const Options& o) { return o.in_channels * o.height * o.width; }

torch::jit::Module build_linear(const Options& o) {
  ScriptModuleBuilder b("Linear", "linear", o);
  b.linear("fc", flat_size(o), o.num_classes);
  return b.finish(R"(
def features(self, x):
    return x.flatten(1)

def forward(self, x):
    return )" + linear_expr("self.features(x)", "fc") + "\n");
}

torch::jit::Module build_mlp(const Options& o) {
  ScriptModuleBuilder b("MLP", "mlp", o);
  b.linear("fc1", flat_size(o), 256);
  b.linear("fc2", 256, 256);
  b.linear("fc3", 256, o.num_classes);
  return b.finish(R"(
def features(self, x):
    x = torch.relu()" + linear_expr("x.flatten(1)", "fc1") + R"()
    return torch.relu()" + linear_expr("x", "fc2") + R"()

def forward(self, x):
    return )" + linear_expr("self.features(x)", "fc3") + "\n");
}

// A pool after each conv (rather than one after both) runs the second conv at a quarter of
// the cost. Fashion-MNIST (batch 128, Adam 1e-3): ~88% after one epoch, ~90% after two,
// about 26 s an epoch on two cores (~2300 img/s).
torch::jit::Module build_small_cnn(const Options& o) {
  int64_t h = o.height / 4, w = o.width / 4;
  ADVLAB_CHECK(h >= 1 && w >= 1, "small-cnn needs inputs of at least 4x4, got ", o.height, "x",
               o.width);
  ScriptModuleBuilder b("SmallCNN", "small-cnn", o);
  b.conv2d("conv1", o.in_channels, 32, 3);
  b.conv2d("conv2", 32, 64, 3);
  b.linear("fc1", 64 * h * w, 128);
  b.linear("fc2", 128, o.num_classes);
  return b.finish(R"(
def features(self, x):
    x = torch.max_pool2d(torch.relu()" + conv_expr("x", "conv1", 1, 1) + R"(), [2, 2])
    x = torch.max_pool2d(torch.relu()" + conv_expr("x", "conv2", 1, 1) + R"(), [2, 2])
    return torch.relu()" + linear_expr("x.flatten(1)", "fc1") + R"()

def forward(self, x):
    return )" + linear_expr("self.features(x)", "fc2") + "\n");
}

// LeNet-5 with ReLU and max-pooling; the first conv pads by 2 so 28x28 gives 5x5 at the end.
torch::jit::Module build_lenet(const Options& o) {
  int64_t h = (output_size(o.height / 2, 5, 1, 0)) / 2;
  int64_t w = (output_size(o.width / 2, 5, 1, 0)) / 2;
  ADVLAB_CHECK(h >= 1 && w >= 1, "lenet needs inputs of at least 12x12, got ", o.height, "x",
               o.width);
  ScriptModuleBuilder b("LeNet", "lenet", o);
  b.conv2d("conv1", o.in_channels, 6, 5);
  b.conv2d("conv2", 6, 16, 5);
  b.linear("fc1", 16 * h * w, 120);
  b.linear("fc2", 120, 84);
  b.linear("fc3", 84, o.num_classes);
  return b.finish(R"(
def features(self, x):
    x = torch.max_pool2d(torch.relu()" + conv_expr("x", "conv1", 1, 2) + R"(), [2, 2])
    x = torch.max_pool2d(torch.relu()" + conv_expr("x", "conv2", 1, 0) + R"(), [2, 2])
    x = torch.relu()" + linear_expr("x.flatten(1)", "fc1") + R"()
    return torch.relu()" + linear_expr("x", "fc2") + R"()

def forward(self, x):
    return )" + linear_expr("self.features(x)", "fc3") + "\n");
}

// One basic block (He et al. 2016): conv-bn-relu-conv-bn plus a shortcut (1x1 conv + bn
// when the shape changes), then relu. Adds its layers to `b`, returns its source lines.
std::string basic_block(ScriptModuleBuilder& b, const std::string& name, int64_t in_channels,
                        int64_t out_channels, int64_t stride) {
  b.conv2d(name + "_conv1", in_channels, out_channels, 3, false);
  b.batch_norm(name + "_bn1", out_channels);
  b.conv2d(name + "_conv2", out_channels, out_channels, 3, false);
  b.batch_norm(name + "_bn2", out_channels);
  std::string shortcut = "x";
  if (stride != 1 || in_channels != out_channels) {
    b.conv2d(name + "_down", in_channels, out_channels, 1, false);
    b.batch_norm(name + "_down_bn", out_channels);
    shortcut = batch_norm_expr(conv_expr("x", name + "_down", stride, 0, false), name + "_down_bn");
  }
  return "    y = torch.relu(" +
         batch_norm_expr(conv_expr("x", name + "_conv1", stride, 1, false), name + "_bn1") +
         ")\n" + "    y = " +
         batch_norm_expr(conv_expr("y", name + "_conv2", 1, 1, false), name + "_bn2") + "\n" +
         "    x = torch.relu(y + " + shortcut + ")\n";
}

// Stem of 16 channels, three stages (16, 32, 64) of one basic block each, global average
// pooling: any channel count and any size (global pooling absorbs the spatial size).
torch::jit::Module build_resnet_small(const Options& o) {
  ScriptModuleBuilder b("ResNetSmall", "resnet-small", o);
  b.conv2d("stem", o.in_channels, 16, 3, false);
  b.batch_norm("stem_bn", 16);
  std::string body;
  body += basic_block(b, "stage1", 16, 16, 1);
  body += basic_block(b, "stage2", 16, 32, 2);
  body += basic_block(b, "stage3", 32, 64, 2);
  b.linear("fc", 64, o.num_classes);
  return b.finish("\ndef features(self, x):\n    x = torch.relu(" +
                  batch_norm_expr(conv_expr("x", "stem", 1, 1, false), "stem_bn") + ")\n" + body +
                  "    return torch.adaptive_avg_pool2d(x, [1, 1]).flatten(1)\n\n" +
                  "def forward(self, x):\n    return " + linear_expr("self.features(x)", "fc") + "\n");
}

struct Architecture {
  const char* name;
  torch::jit::Module (*build)(const Options&);
};

// The one list of built-in architectures: names, help and lookup all come from here.
const Architecture kArchitectures[] = {
    {"linear", build_linear},
    {"mlp", build_mlp},
    {"small-cnn", build_small_cnn},
    {"lenet", build_lenet},
    {"resnet-small", build_resnet_small},
};

}  // namespace

std::vector<std::string> architecture_names() {
  std::vector<std::string> names;
  for (const auto& a : kArchitectures) names.emplace_back(a.name);
  return names;
}

torch::jit::Module make_architecture(const std::string& name, const ArchitectureOptions& options) {
  for (const auto& a : kArchitectures) {
    if (name == a.name) return a.build(options);
  }
  throw Error(c10::str("unknown architecture '", name, "'; known: ",
                       c10::Join(", ", architecture_names())));
}

}  // namespace advlab::models
