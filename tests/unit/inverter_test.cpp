// Inverter training against a frozen generator (the PCA decoder of Fashion-MNIST, whose
// exact inverse is known): it lowers the reconstruction error ||G(I(x)) - x||^2 towards
// the exact inverse's and recovers that inverse approximately; checkpoints resume to the
// bitwise same weights; bad input errors.
#include "advlab/core/error.h"
#include "advlab/data/load.h"
#include "advlab/gan/inverter.h"
#include "advlab/attacks/generative/latent_modules.h"
#include "support/pca_generator.h"
#include "support/scratch_dir.h"
#include "support/trained_models.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

namespace advlab {
namespace {

TEST(Inverter, MadeToTheContract) {
  auto module = gan::make_inverter(12, {1, 28, 28}, 3);
  auto inv = gan::as_latent_inverter(module, "fresh");
  EXPECT_EQ(inv.latent_dim, 12);
  EXPECT_EQ(inv.input_shape, (std::vector<int64_t>{1, 28, 28}));
  EXPECT_EQ(inv.architecture, "conv-inverter");
  torch::NoGradGuard no_grad;
  EXPECT_EQ(inv(torch::rand({5, 1, 28, 28})).sizes(), (std::vector<int64_t>{5, 12}));
  // Same seed, same weights.
  auto again = gan::make_inverter(12, {1, 28, 28}, 3);
  auto a = module.parameters().begin(), b = again.parameters().begin();
  for (; a != module.parameters().end(); ++a, ++b) EXPECT_TRUE(torch::equal(*a, *b));
  EXPECT_THROW(gan::make_inverter(1, {1, 28, 28}, 0), Error);
}

TEST(Inverter, TrainingApproachesTheExactPcaInverse) {
  if (!testing::fashion_mnist_available()) GTEST_SKIP() << "Fashion-MNIST not installed";
  const auto& pca = testing::fashion_pca();
  auto generator = gan::load_latent_generator(pca.generator_path);
  auto exact = gan::load_latent_inverter(pca.inverter_path);
  auto train = data::load_dataset("fashion-mnist:train").head(4000);
  auto held_out = testing::fashion_cnn().test.images.narrow(0, 0, 300);

  auto untrained = gan::as_latent_inverter(gan::make_inverter(32, {1, 28, 28}, 0), "untrained");
  gan::InverterTrainOptions options;
  options.epochs = 4;
  options.seed = 0;
  auto trained = gan::train_inverter(generator, train, options);
  EXPECT_EQ(trained.epochs_completed, 4);
  auto inverter = gan::as_latent_inverter(trained.module, "trained");

  double before = gan::reconstruction_error(generator, untrained, held_out);
  double after = gan::reconstruction_error(generator, inverter, held_out);
  double best = gan::reconstruction_error(generator, exact, held_out);
  RecordProperty("reconstruction_before", std::to_string(before));
  RecordProperty("reconstruction_after", std::to_string(after));
  RecordProperty("reconstruction_exact", std::to_string(best));
  EXPECT_LT(after, 0.5 * before) << before << " -> " << after << " (exact " << best << ")";
  EXPECT_LT(after, 2.0 * best) << before << " -> " << after << " (exact " << best << ")";

  // The latents themselves agree with the exact inverse's.
  torch::NoGradGuard no_grad;
  auto z_exact = exact(held_out), z = inverter(held_out);
  double relative = ((z - z_exact).pow(2).sum() / z_exact.pow(2).sum()).item<double>();
  // Training seeds 0/1/2: 0.23, 0.20, 0.25; margin 0.1 (an inverter that outputs zeros scores 1).
  EXPECT_LT(relative, 0.35) << "relative squared latent error " << relative;
}

TEST(Inverter, ResumeGivesTheBitwiseSameWeights) {
  if (!testing::fashion_mnist_available()) GTEST_SKIP() << "Fashion-MNIST not installed";
  auto generator = gan::load_latent_generator(testing::fashion_pca().generator_path);
  auto train = data::load_dataset("fashion-mnist:train").head(300);
  testing::ScratchDir dir;
  gan::InverterTrainOptions options;
  options.epochs = 2;
  options.batch_size = 32;
  options.seed = 5;
  auto straight = gan::train_inverter(generator, train, options);

  options.checkpoint_path = dir.file("inv.ckpt");
  options.epochs = 1;
  gan::train_inverter(generator, train, options);  // "interrupted" after one epoch
  options.epochs = 2;
  options.resume = true;
  auto resumed = gan::train_inverter(generator, train, options);
  EXPECT_EQ(resumed.epochs_completed, 2);
  auto a = straight.module.named_parameters().begin();
  for (const auto& p : resumed.module.named_parameters()) {
    EXPECT_TRUE(torch::equal(p.value, (*a).value)) << p.name;
    ++a;
  }

  // A checkpoint from another seed or batch size is refused.
  auto other = options;
  other.seed = 6;
  EXPECT_THROW(gan::train_inverter(generator, train, other), Error);
  other = options;
  other.batch_size = 16;
  EXPECT_THROW(gan::train_inverter(generator, train, other), Error);
}

TEST(Inverter, RejectsBadInput) {
  if (!testing::fashion_mnist_available()) GTEST_SKIP() << "Fashion-MNIST not installed";
  auto generator = gan::load_latent_generator(testing::fashion_pca().generator_path);
  auto train = data::load_dataset("fashion-mnist:train").head(20);
  gan::InverterTrainOptions options;
  options.epochs = 0;
  EXPECT_NE(testing::error_message([&] { gan::train_inverter(generator, train, options); }).find("epochs"),
            std::string::npos);
  options = {};
  options.lambda = -1;
  EXPECT_NE(testing::error_message([&] { gan::train_inverter(generator, train, options); }).find("lambda"),
            std::string::npos);
  options = {};
  auto rgb = train;
  rgb.images = torch::rand({20, 3, 28, 28});
  EXPECT_NE(testing::error_message([&] { gan::train_inverter(generator, rgb, options); }).find("[3, 28, 28]"),
            std::string::npos);
  EXPECT_NE(testing::error_message([] { gan::load_latent_generator("/no/such/generator.pt"); }).find("not found"),
            std::string::npos);
  testing::ScratchDir dir;
  testing::write_bytes(dir.file("junk.pt"), "not a model");
  EXPECT_NE(testing::error_message([&] { gan::load_latent_inverter(dir.file("junk.pt")); }).find("TorchScript"),
            std::string::npos);
}

}  // namespace
}  // namespace advlab
