// AdvGAN's networks: the generator's output is always inside its budget and of the input's
// shape, its file keeps the contract (attributes, round trip), and bad settings or files
// are clear errors.
#include "advlab/core/error.h"
#include "advlab/gan/advgan_networks.h"
#include "advlab/attacks/generative/perturbation_generator.h"
#include "advlab/models/architectures.h"
#include "advlab/models/module_file.h"
#include "support/scratch_dir.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

namespace advlab::gan {
namespace {

torch::Tensor advgan_test_forward(torch::jit::Module& m, const torch::Tensor& x) {
  torch::NoGradGuard no_grad;
  return m.forward({x}).toTensor();
}

// Scales the last conv up so tanh saturates: the budget must hold for any weights.
void advgan_test_blow_up(torch::jit::Module& g) {
  torch::NoGradGuard no_grad;
  for (const auto& p : g.named_parameters())
    if (p.name.rfind("out_", 0) == 0) p.value.mul_(1000);
}

TEST(AdvGanNetworks, LinfGeneratorStaysInsideEps) {
  AdvGanNetworkOptions o;
  o.eps = 0.07;
  auto g = make_advgan_generator(o);
  advgan_test_blow_up(g);
  auto x = torch::rand({5, 1, 28, 28}, at::detail::createCPUGenerator(1));
  auto delta = advgan_test_forward(g, x);
  ASSERT_EQ(delta.sizes(), x.sizes());
  EXPECT_LE(delta.abs().max().item<double>(), 0.07 + 1e-7);
  EXPECT_GT(delta.abs().max().item<double>(), 0.06);  // saturated: reaches the budget
}

TEST(AdvGanNetworks, L2GeneratorScalesOntoTheBallOnlyWhenOutside) {
  AdvGanNetworkOptions o;
  o.norm = "l2";
  o.eps = 1.5;
  o.input_shape = {3, 16, 12};
  auto g = make_advgan_generator(o);
  auto x = torch::rand({4, 3, 16, 12}, at::detail::createCPUGenerator(2));
  auto small = advgan_test_forward(g, x);
  auto raw = torch::tanh(g.run_method("body", x).toTensor().detach());
  auto raw_norm = raw.flatten(1).norm(2, 1);
  auto norm = small.flatten(1).norm(2, 1);
  for (int64_t i = 0; i < 4; ++i) {
    if (raw_norm[i].item<double>() <= 1.5)
      EXPECT_TRUE(torch::allclose(small[i], raw[i]));
    else
      EXPECT_NEAR(norm[i].item<double>(), 1.5, 1e-4);
  }
  advgan_test_blow_up(g);
  auto big = advgan_test_forward(g, x);
  EXPECT_EQ(big.sizes(), x.sizes());
  EXPECT_LE(big.flatten(1).norm(2, 1).max().item<double>(), 1.5 * (1 + 1e-5));
}

TEST(AdvGanNetworks, GeneratorFileKeepsTheContract) {
  testing::ScratchDir dir;
  AdvGanNetworkOptions o;
  o.eps = 0.2;
  o.target = 3;
  auto g = make_advgan_generator(o);
  models::save_module_atomic(g, dir.file("g.pt"));
  auto loaded = load_advgan_generator(dir.file("g.pt"));
  EXPECT_DOUBLE_EQ(loaded.eps, 0.2);
  EXPECT_EQ(loaded.norm, "linf");
  EXPECT_EQ(loaded.target, 3);
  EXPECT_EQ(loaded.input_shape, (std::vector<int64_t>{1, 28, 28}));
  EXPECT_EQ(loaded.module.attr("architecture").toStringRef(), "advgan-generator");
  auto x = torch::rand({2, 1, 28, 28});
  EXPECT_TRUE(torch::equal(advgan_test_forward(g, x), advgan_test_forward(loaded.module, x)));
}

TEST(AdvGanNetworks, DiscriminatorGivesOneScorePerImage) {
  AdvGanNetworkOptions o;
  o.input_shape = {3, 32, 32};
  auto d = make_advgan_discriminator(o);
  auto s = advgan_test_forward(d, torch::rand({6, 3, 32, 32}));
  EXPECT_EQ(s.sizes(), (c10::IntArrayRef{6}));
  EXPECT_TRUE(torch::isfinite(s).all().item<bool>());
}

TEST(AdvGanNetworks, BadSettingsAndFilesAreErrors) {
  AdvGanNetworkOptions o;
  o.norm = "l1";
  EXPECT_THROW(make_advgan_generator(o), Error);
  o.norm = "linf";
  o.eps = 0;
  EXPECT_THROW(make_advgan_generator(o), Error);
  o.eps = 0.1;
  o.target = 10;
  EXPECT_THROW(make_advgan_generator(o), Error);
  o.target = -1;
  o.input_shape = {1, 28};
  EXPECT_THROW(make_advgan_generator(o), Error);

  testing::ScratchDir dir;
  EXPECT_THROW(load_advgan_generator(dir.file("missing.pt")), Error);
  testing::write_bytes(dir.file("junk.pt"), "not a model");
  EXPECT_THROW(load_advgan_generator(dir.file("junk.pt")), Error);
  models::save_module_atomic(models::make_architecture("small-cnn", {}), dir.file("cnn.pt"));
  auto message = testing::error_message([&] { load_advgan_generator(dir.file("cnn.pt")); });
  EXPECT_NE(message.find("not an AdvGAN generator"), std::string::npos) << message;
}

}  // namespace
}  // namespace advlab::gan
