#include "advlab/gan/advgan_networks.h"

#include "../models/script_module_builder.h"
#include "advlab/core/error.h"
#include "advlab/io/zip_check.h"

#include <cmath>
#include <filesystem>

namespace advlab::gan {

namespace {

using models::conv_expr;
using models::output_size;

models::ArchitectureOptions advgan_arch_options(const AdvGanNetworkOptions& o) {
  ADVLAB_CHECK(o.input_shape.size() == 3, "advgan: input shape must be [C, H, W], got ",
               c10::IntArrayRef(o.input_shape));
  ADVLAB_CHECK(o.input_shape[1] >= 8 && o.input_shape[2] >= 8,
               "advgan: images must be at least 8x8, got ", o.input_shape[1], "x", o.input_shape[2]);
  models::ArchitectureOptions a;
  a.in_channels = o.input_shape[0];
  a.height = o.input_shape[1];
  a.width = o.input_shape[2];
  a.num_classes = o.num_classes;
  a.seed = o.seed;
  return a;
}

// Instance norm without affine parameters (the next conv's bias shifts anyway): the same in
// training and at attack time, and one image's delta never depends on the rest of its batch.
std::string advgan_in(const std::string& input) {
  return "torch.instance_norm(" + input + ", None, None, None, None, True, 0.1, 1e-5, False)";
}

std::string advgan_conv_in_relu(const std::string& input, const std::string& layer, int64_t stride) {
  return "torch.relu(" + advgan_in(conv_expr(input, layer, stride, 1)) + ")";
}

}  // namespace

torch::jit::Module make_advgan_generator(const AdvGanNetworkOptions& o) {
  ADVLAB_CHECK(std::isfinite(o.eps) && o.eps > 0, "advgan: eps must be finite and > 0, got ", o.eps);
  ADVLAB_CHECK(o.norm == "linf" || o.norm == "l2", "advgan: norm must be linf or l2, got '", o.norm, "'");
  ADVLAB_CHECK(o.target >= -1 && o.target < o.num_classes, "advgan: target must be -1 (untargeted) or a class in [0, ",
               o.num_classes, "), got ", o.target);
  auto a = advgan_arch_options(o);
  const int64_t c = a.in_channels;
  const int64_t h1 = output_size(a.height, 3, 2, 1), w1 = output_size(a.width, 3, 2, 1);

  models::ScriptModuleBuilder b("AdvGanGenerator", "advgan-generator", a);
  b.conv2d("enc1", c, 8, 3);
  b.conv2d("enc2", 8, 16, 3);
  b.conv2d("enc3", 16, 32, 3);
  for (const char* r : {"res1a", "res1b", "res2a", "res2b"}) b.conv2d(r, 32, 32, 3);
  b.conv2d("dec1", 32, 16, 3);
  b.conv2d("dec2", 16, 8, 3);
  b.conv2d("out", 8, c, 3);
  auto residual = [](const std::string& in, const std::string& l1, const std::string& l2) {
    return in + " + " + advgan_in(conv_expr(advgan_conv_in_relu(in, l1, 1), l2, 1, 1));
  };
  // body() is the unbounded network; forward() (defined below, once the budget attributes
  // exist) bounds it.
  auto module = b.finish(c10::str(R"(
def body(self, x):
    h = )", advgan_conv_in_relu("x", "enc1", 1), R"(
    h = )", advgan_conv_in_relu("h", "enc2", 2), R"(
    h = )", advgan_conv_in_relu("h", "enc3", 2), R"(
    h = )", residual("h", "res1a", "res1b"), R"(
    h = )", residual("h", "res2a", "res2b"), R"(
    h = torch.upsample_nearest2d(h, [)", h1, ", ", w1, R"(])
    h = )", advgan_conv_in_relu("h", "dec1", 1), R"(
    h = torch.upsample_nearest2d(h, [)", a.height, ", ", a.width, R"(])
    h = )", advgan_conv_in_relu("h", "dec2", 1), R"(
    return )", conv_expr("h", "out", 1, 1), "\n"));
  module.register_attribute("eps", c10::FloatType::get(), o.eps);
  module.register_attribute("norm", c10::StringType::get(), o.norm);
  module.register_attribute("target", c10::IntType::get(), o.target);
  if (o.norm == "linf") {
    module.define(R"(
def forward(self, x):
    return self.eps * torch.tanh(self.body(x))
)");
  } else {
    // Scaled onto the ball only when outside it, so small perturbations keep their size.
    module.define(R"(
def forward(self, x):
    d = torch.tanh(self.body(x))
    n = torch.sqrt(d.flatten(1).pow(2).sum(1) + 1e-12)
    s = torch.clamp_max(self.eps / n, 1.0)
    return d * s.view([-1, 1, 1, 1])
)");
  }
  module.eval();
  return module;
}

torch::jit::Module make_advgan_discriminator(const AdvGanNetworkOptions& o) {
  auto a = advgan_arch_options(o);
  int64_t h = a.height, w = a.width;
  for (int i = 0; i < 3; ++i) h = output_size(h, 4, 2, 1), w = output_size(w, 4, 2, 1);
  models::ScriptModuleBuilder b("AdvGanDiscriminator", "advgan-discriminator", a);
  b.conv2d("conv1", a.in_channels, 8, 4);
  b.conv2d("conv2", 8, 16, 4);
  b.conv2d("conv3", 16, 32, 4);
  b.linear("fc", 32 * h * w, 1);
  auto lrelu = [](const std::string& s) { return "torch.leaky_relu(" + s + ", 0.2)"; };
  return b.finish(c10::str(R"(
def forward(self, x):
    h = )", lrelu(conv_expr("x", "conv1", 2, 1)), R"(
    h = )", lrelu(advgan_in(conv_expr("h", "conv2", 2, 1))), R"(
    h = )", lrelu(advgan_in(conv_expr("h", "conv3", 2, 1))), R"(
    return )", models::linear_expr("h.flatten(1)", "fc"), ".squeeze(1)\n"));
}

}  // namespace advlab::gan
