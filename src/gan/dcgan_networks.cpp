#include "advlab/gan/dcgan_networks.h"

#include "advlab/core/error.h"
#include "../models/script_module_builder.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

namespace advlab::gan {

namespace {

using models::batch_norm_expr;
using models::conv_expr;
using models::conv_transpose_expr;
using models::linear_expr;
using models::ScriptModuleBuilder;

void dcgan_check_options(const DcganOptions& o) {
  ADVLAB_CHECK(o.channels >= 1, "gan: image channels must be >= 1, got ", o.channels);
  ADVLAB_CHECK(o.height >= 4 && o.width >= 4 && o.height % 4 == 0 && o.width % 4 == 0,
               "gan: image height and width must be multiples of 4 (at least 4), got ", o.height,
               "x", o.width);
  ADVLAB_CHECK(o.latent_dim >= 1, "gan: latent_dim must be >= 1, got ", o.latent_dim);
  ADVLAB_CHECK(o.generator_width >= 2, "gan: generator width must be >= 2, got ", o.generator_width);
  ADVLAB_CHECK(o.discriminator_width >= 1, "gan: discriminator width must be >= 1, got ",
               o.discriminator_width);
  ADVLAB_CHECK(o.init == "dcgan" || o.init == "default", "gan: init must be dcgan or default, got '",
               o.init, "'");
}

// The DCGAN paper's initialisation, from its own seeded stream so the weights depend on
// nothing but the seed. Batch-norm layers are named *_bn*, so their _w is a scale.
void dcgan_reinitialise(torch::jit::Module& module, uint64_t seed) {
  auto generator = at::detail::createCPUGenerator(seed ^ 0xDC6A4ULL);
  torch::NoGradGuard no_grad;
  for (const auto& p : module.named_parameters()) {
    const std::string& name = p.name;
    bool is_weight = name.size() > 2 && name.compare(name.size() - 2, 2, "_w") == 0;
    if (!is_weight) {
      p.value.zero_();
    } else if (name.find("bn") != std::string::npos) {
      p.value.normal_(1.0, 0.02, generator);
    } else {
      p.value.normal_(0.0, 0.02, generator);
    }
  }
}

}  // namespace

torch::jit::Module make_dcgan_generator(const DcganOptions& o) {
  dcgan_check_options(o);
  const int64_t h = o.height / 4, w = o.width / 4, g0 = o.generator_width, g1 = g0 / 2;
  ScriptModuleBuilder b("DcganGenerator", o.seed);
  b.int_attribute("latent_dim", o.latent_dim);
  b.ints_attribute("output_shape", {o.channels, o.height, o.width});
  b.string_attribute("architecture", "dcgan-generator");
  b.linear("fc", o.latent_dim, g0 * h * w);
  b.batch_norm("fc_bn", g0);
  b.conv_transpose2d("up1", g0, g1, 4, false);  // batch norm follows: its shift is the bias
  b.batch_norm("up1_bn", g1);
  b.conv_transpose2d("up2", g1, o.channels, 4);
  auto module = b.finish(c10::str(R"(
def forward(self, z):
    x = )", linear_expr("z", "fc"), ".view([-1, ", g0, ", ", h, ", ", w, R"(])
    x = torch.relu()", batch_norm_expr("x", "fc_bn"), R"()
    x = torch.relu()", batch_norm_expr(conv_transpose_expr("x", "up1", 2, 1, false), "up1_bn"), R"()
    return torch.sigmoid()", conv_transpose_expr("x", "up2", 2, 1), ")\n"));
  if (o.init == "dcgan") dcgan_reinitialise(module, o.seed);
  return module;
}

torch::jit::Module make_dcgan_discriminator(const DcganOptions& o) {
  dcgan_check_options(o);
  const int64_t h = o.height / 4, w = o.width / 4, d0 = o.discriminator_width, d1 = 2 * d0;
  const bool bn = o.discriminator_batch_norm;
  ScriptModuleBuilder b("DcganDiscriminator", o.seed ^ 0xD15CULL);
  b.ints_attribute("input_shape", {o.channels, o.height, o.width});
  b.string_attribute("architecture", bn ? "dcgan-discriminator" : "dcgan-critic");
  // The paper leaves batch norm out of the discriminator's first layer.
  b.conv2d("down1", o.channels, d0, 4);
  b.conv2d("down2", d0, d1, 4, !bn);
  if (bn) b.batch_norm("down2_bn", d1);
  b.linear("fc", d1 * h * w, 1);
  std::string second = conv_expr("x", "down2", 2, 1, !bn);
  if (bn) second = batch_norm_expr(second, "down2_bn");
  auto module = b.finish(c10::str(R"(
def forward(self, x):
    x = torch.leaky_relu()", conv_expr("x", "down1", 2, 1), R"(, 0.2)
    x = torch.leaky_relu()", second, R"(, 0.2)
    return )", linear_expr("x.flatten(1)", "fc"), ".squeeze(1)\n"));
  if (o.init == "dcgan") dcgan_reinitialise(module, o.seed ^ 0xD15CULL);
  return module;
}

}  // namespace advlab::gan
