// DCGAN networks: shapes, value range, contract attributes, determinism, PyTorch interop.
#include "advlab/data/dataset.h"
#include "advlab/gan/dcgan_networks.h"
#include "advlab/gan/generator_file.h"
#include "advlab/models/module_file.h"
#include "support/python.h"
#include "support/scratch_dir.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

namespace {

namespace data = advlab::data;
namespace models = advlab::models;
using namespace advlab::gan;

torch::Tensor run(torch::jit::Module& m, const torch::Tensor& x) { return m.forward({x}).toTensor(); }

TEST(DcganNetworks, GeneratorMapsLatentsToImagesInUnitRange) {
  DcganOptions o;
  o.channels = 3;
  o.height = 16;
  o.width = 12;
  o.latent_dim = 10;
  auto g = make_dcgan_generator(o);
  auto x = run(g, torch::randn({5, 10}) * 3);
  EXPECT_EQ(x.sizes(), (std::vector<int64_t>{5, 3, 16, 12}));
  EXPECT_GE(x.min().item<float>(), 0.0f);
  EXPECT_LE(x.max().item<float>(), 1.0f);
  EXPECT_EQ(g.attr("latent_dim").toInt(), 10);
  EXPECT_EQ(g.attr("output_shape").toIntVector(), (std::vector<int64_t>{3, 16, 12}));
  EXPECT_EQ(g.attr("architecture").toStringRef(), "dcgan-generator");
  EXPECT_FALSE(g.is_training());
}

TEST(DcganNetworks, DiscriminatorGivesOneScorePerImage) {
  DcganOptions o;
  auto d = make_dcgan_discriminator(o);
  EXPECT_EQ(run(d, torch::rand({7, 1, 28, 28})).sizes(), (std::vector<int64_t>{7}));
  EXPECT_FALSE(d.named_buffers().size() == 0);  // batch-norm statistics
  o.discriminator_batch_norm = false;
  auto critic = make_dcgan_discriminator(o);
  EXPECT_EQ(critic.named_buffers().size(), 0u);  // WGAN-GP critic: no batch norm
  EXPECT_EQ(critic.attr("architecture").toStringRef(), "dcgan-critic");
  // Without batch norm, each score depends on its own image only (what the penalty needs).
  critic.train(true);
  auto x = torch::rand({4, 1, 28, 28});
  auto all = run(critic, x);
  auto first = run(critic, x.slice(0, 0, 1));
  EXPECT_NEAR(all[0].item<float>(), first[0].item<float>(), 1e-5);
}

TEST(DcganNetworks, SameSeedSameWeightsOtherSeedOtherWeights) {
  DcganOptions o;
  o.seed = 3;
  auto a = make_dcgan_generator(o), b = make_dcgan_generator(o);
  o.seed = 4;
  auto c = make_dcgan_generator(o);
  auto z = torch::randn({2, 64});
  EXPECT_TRUE(torch::equal(run(a, z), run(b, z)));
  EXPECT_FALSE(torch::equal(run(a, z), run(c, z)));
  // DCGAN initialisation: conv weights N(0, 0.02).
  auto w = a.attr("up1_w").toTensor();
  EXPECT_NEAR(w.std().item<double>(), 0.02, 0.002);
}

TEST(DcganNetworks, RejectsShapesNotDivisibleByFour) {
  DcganOptions o;
  o.height = 30;
  auto msg = advlab::testing::error_message([&] { make_dcgan_generator(o); });
  EXPECT_NE(msg.find("30x28"), std::string::npos) << msg;
  o.height = 28;
  o.latent_dim = 0;
  msg = advlab::testing::error_message([&] { make_dcgan_discriminator(o); });
  EXPECT_NE(msg.find("latent_dim"), std::string::npos) << msg;
}

TEST(DcganNetworks, SavedGeneratorMeetsTheFileContract) {
  advlab::testing::ScratchDir dir;
  auto g = make_dcgan_generator({});
  models::save_module_atomic(g, dir.file("g.pt"));
  auto loaded = load_generator(dir.file("g.pt"));
  EXPECT_EQ(loaded.latent_dim, 64);
  EXPECT_EQ(loaded.output_shape, (std::vector<int64_t>{1, 28, 28}));
  auto z = torch::randn({3, 64});
  EXPECT_TRUE(torch::equal(generate(loaded, z), run(g, z)));
  // A classifier is not a generator.
  auto d = make_dcgan_discriminator({});
  models::save_module_atomic(d, dir.file("d.pt"));
  auto msg = advlab::testing::error_message([&] { load_generator(dir.file("d.pt")); });
  EXPECT_NE(msg.find("latent_dim"), std::string::npos) << msg;
  msg = advlab::testing::error_message([&] { load_generator(dir.file("missing.pt")); });
  EXPECT_NE(msg.find("not found"), std::string::npos) << msg;
}

const char kGeneratorInPython[] = R"(
import sys, torch
g = torch.jit.load(sys.argv[1])
assert g.latent_dim == 64 and list(g.output_shape) == [1, 28, 28], (g.latent_dim, g.output_shape)
assert g.architecture == "dcgan-generator"
data = torch.load(sys.argv[2])
with torch.no_grad():
    x = g(data["z"])
torch.save({"z": data["z"], "x": x}, sys.argv[3])
)";

TEST(DcganNetworks, GeneratorOpensInPyTorchWithTheSameOutput) {
  if (!advlab::testing::python_torch_available()) GTEST_SKIP() << "python3 with torch not installed";
  advlab::testing::ScratchDir dir;
  auto g = make_dcgan_generator({});
  models::save_module_atomic(g, dir.file("g.pt"));
  auto z = torch::randn({4, 64});
  advlab::testing::save_tensor_dict(dir.file("in.pt"), {{"z", z}, {"unused", torch::zeros({1})}});
  int rc = advlab::testing::run_python(dir.file("g.py"), kGeneratorInPython,
                               dir.file("g.pt") + " " + dir.file("in.pt") + " " + dir.file("out.pt"),
                               dir.file("log.txt"));
  ASSERT_EQ(rc, 0) << advlab::testing::read_text(dir.file("log.txt"));
  auto out = advlab::testing::load_tensor_dict(dir.file("out.pt"));
  EXPECT_TRUE(torch::allclose(out.at("x"), run(g, z), 1e-5, 1e-6));
}

}  // namespace
