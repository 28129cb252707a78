// AdvGAN training: resuming from a checkpoint ends bitwise where an uninterrupted run
// does (semi-white-box and black-box); black-box training never takes a gradient of the
// target and counts every image it sends; bad settings are clear errors.
#include "advlab/core/error.h"
#include "advlab/data/load.h"
#include "advlab/gan/advgan_trainer.h"
#include "support/scratch_dir.h"
#include "support/trained_models.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

namespace advlab::gan {
namespace {

// Wraps the test CNN: counts every image it is asked about and whether any call could
// have produced a gradient (grad mode on, or an input that requires grad).
class AdvGanCountingClassifier : public Classifier {
 public:
  explicit AdvGanCountingClassifier(Classifier& inner) : inner_(inner) {}
  torch::Tensor logits(const torch::Tensor& x) override {
    images += x.size(0);
    gradient_possible = gradient_possible || torch::GradMode::is_enabled() || x.requires_grad();
    return inner_.logits(x);
  }
  Bounds bounds() const override { return inner_.bounds(); }
  torch::Device device() const override { return inner_.device(); }
  int64_t num_classes() const override { return inner_.num_classes(); }

  int64_t images = 0;
  bool gradient_possible = false;

 private:
  Classifier& inner_;
};

const data::Dataset& advgan_small_train() {
  static const auto d = data::load_dataset("fashion-mnist:train").head(192);
  return d;
}

std::vector<torch::Tensor> advgan_weights(const AdvGanSummary& s) {
  std::vector<torch::Tensor> out;
  for (const auto& p : s.generator.parameters()) out.push_back(p.detach().clone());
  return out;
}

void advgan_expect_same(const AdvGanSummary& a, const AdvGanSummary& b) {
  auto wa = advgan_weights(a), wb = advgan_weights(b);
  ASSERT_EQ(wa.size(), wb.size());
  for (size_t i = 0; i < wa.size(); ++i) EXPECT_TRUE(torch::equal(wa[i], wb[i])) << "parameter " << i;
  EXPECT_EQ(a.queries, b.queries);
  ASSERT_EQ(a.history.size(), b.history.size());
  for (size_t i = 0; i < a.history.size(); ++i) {
    EXPECT_EQ(a.history[i].adv_loss, b.history[i].adv_loss);
    EXPECT_EQ(a.history[i].success, b.history[i].success);
    EXPECT_EQ(a.history[i].queries, b.history[i].queries);
  }
}

TEST(AdvGanTrainer, ResumeEqualsUninterrupted) {
  if (!testing::fashion_mnist_available()) GTEST_SKIP() << "Fashion-MNIST not installed";
  auto& model = *testing::fashion_cnn().model;
  for (bool blackbox : {false, true}) {
    testing::ScratchDir dir;
    auto options = AdvGanOptions(0.1).epochs(2).batch_size(64).seed(5).blackbox(blackbox).distill_epochs(1);
    auto straight = train_advgan(model, advgan_small_train(), AdvGanOptions(options).checkpoint_path(dir.file("a.pt")));
    // Stop after one epoch, then continue from the checkpoint.
    auto path = dir.file("b.pt");
    train_advgan(model, advgan_small_train(), AdvGanOptions(options).epochs(1).checkpoint_path(path));
    auto resumed = train_advgan(model, advgan_small_train(), AdvGanOptions(options).checkpoint_path(path).resume(true));
    SCOPED_TRACE(blackbox ? "black-box" : "semi-white-box");
    advgan_expect_same(straight, resumed);
    for (const auto& e : straight.history) {
      EXPECT_TRUE(std::isfinite(e.adv_loss) && std::isfinite(e.gan_loss) && std::isfinite(e.d_loss));
    }
    // Another setting cannot continue this checkpoint.
    auto message = testing::error_message([&] {
      train_advgan(model, advgan_small_train(), AdvGanOptions(options).epochs(3).seed(6).checkpoint_path(path).resume(true));
    });
    EXPECT_NE(message.find("seed"), std::string::npos) << message;
  }
}

TEST(AdvGanTrainer, BlackBoxTakesNoGradientAndCountsQueries) {
  if (!testing::fashion_mnist_available()) GTEST_SKIP() << "Fashion-MNIST not installed";
  const int64_t n = advgan_small_train().size();
  AdvGanCountingClassifier oracle(*testing::fashion_cnn().model);
  auto summary = train_advgan(oracle, advgan_small_train(), AdvGanOptions(0.1).epochs(2).batch_size(64).blackbox(true));
  EXPECT_FALSE(oracle.gradient_possible) << "the black-box trainer let a gradient reach the target";
  // The shape probe, then the clean images once, then every x + delta of each epoch.
  EXPECT_EQ(summary.queries, 1 + n + 2 * n);
  EXPECT_EQ(oracle.images, summary.queries);
  EXPECT_EQ(summary.history.back().queries, summary.queries);
  EXPECT_EQ(summary.to_json()["queries"].get<int64_t>(), summary.queries);

  // The semi-white-box trainer does use the target's gradients (so the check above can fail).
  AdvGanCountingClassifier white(*testing::fashion_cnn().model);
  auto w = train_advgan(white, advgan_small_train(), AdvGanOptions(0.1).epochs(1).batch_size(64));
  EXPECT_TRUE(white.gradient_possible);
  EXPECT_EQ(w.queries, 0);
}

TEST(AdvGanTrainer, BadSettingsAreErrors) {
  if (!testing::fashion_mnist_available()) GTEST_SKIP() << "Fashion-MNIST not installed";
  auto& model = *testing::fashion_cnn().model;
  const auto& d = advgan_small_train();
  EXPECT_THROW(train_advgan(model, d, AdvGanOptions(0)), Error);
  EXPECT_THROW(train_advgan(model, d, AdvGanOptions(0.1).norm("l1")), Error);
  EXPECT_THROW(train_advgan(model, d, AdvGanOptions(0.1).epochs(0)), Error);
  EXPECT_THROW(train_advgan(model, d, AdvGanOptions(0.1).batch_size(0)), Error);
  EXPECT_THROW(train_advgan(model, d, AdvGanOptions(0.1).alpha(-1)), Error);
  EXPECT_THROW(train_advgan(model, d, AdvGanOptions(0.1).resume(true)), Error);  // no checkpoint path
  auto message = testing::error_message([&] { train_advgan(model, d, AdvGanOptions(0.1).target(10)); });
  EXPECT_NE(message.find("10"), std::string::npos) << message;
  EXPECT_THROW(train_advgan(model, d.slice(0, 0), AdvGanOptions(0.1)), Error);
  data::Dataset color = d;
  color.images = torch::rand({4, 3, 28, 28});
  color.labels = torch::zeros({4}, torch::kLong);
  EXPECT_THROW(train_advgan(model, color, AdvGanOptions(0.1)), Error);  // the model takes 1x28x28
  testing::ScratchDir dir;
  testing::write_bytes(dir.file("junk.pt"), "junk");
  EXPECT_THROW(train_advgan(model, d, AdvGanOptions(0.1).checkpoint_path(dir.file("junk.pt")).resume(true)), Error);
}

}  // namespace
}  // namespace advlab::gan
