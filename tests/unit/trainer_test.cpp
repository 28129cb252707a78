#include "advlab/core/error.h"
#include "advlab/models/architectures.h"
#include "advlab/models/trainer.h"
#include "support/synthetic_data.h"
#include "support/temp_dir.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <sstream>

namespace {

using advlab::models::ArchitectureOptions;
using advlab::models::make_architecture;
using advlab::models::TrainOptions;
using advlab::testing::quadrant_dataset;
using advlab::testing::TempDir;

torch::jit::Module model(const std::string& arch, const advlab::data::Dataset& d, uint64_t seed = 0) {
  ArchitectureOptions o;
  o.in_channels = d.images.size(1);
  o.height = d.images.size(2);
  o.width = d.images.size(3);
  o.num_classes = d.num_classes;
  o.seed = seed;
  return make_architecture(arch, o);
}

TrainOptions options(int64_t epochs, int64_t batch_size = 32) {
  TrainOptions o;
  o.epochs = epochs;
  o.batch_size = batch_size;
  o.seed = 5;
  return o;
}

template <typename NamedList>
std::vector<std::pair<std::string, torch::Tensor>> entries(const NamedList& list) {
  std::vector<std::pair<std::string, torch::Tensor>> out;
  for (const auto& item : list) out.emplace_back(item.name, item.value);
  return out;
}

// Parameters and buffers (batch-norm statistics) must match bit for bit.
void expect_bitwise_equal(const torch::jit::Module& a, const torch::jit::Module& b) {
  for (auto [ea, eb] : {std::pair{entries(a.named_parameters()), entries(b.named_parameters())},
                        std::pair{entries(a.named_buffers()), entries(b.named_buffers())}}) {
    ASSERT_EQ(ea.size(), eb.size());
    for (size_t i = 0; i < ea.size(); ++i) {
      EXPECT_EQ(ea[i].first, eb[i].first);
      EXPECT_TRUE(torch::equal(ea[i].second, eb[i].second)) << ea[i].first;
    }
  }
}

TEST(Trainer, LearnsSeparableQuadrants) {
  auto train = quadrant_dataset(512, 1, 12, 0);
  auto test = quadrant_dataset(256, 1, 12, 1);
  auto m = model("small-cnn", train);
  std::ostringstream progress;
  auto o = options(3);
  o.progress = &progress;
  auto summary = advlab::models::train_classifier(m, train, o);

  EXPECT_EQ(summary.epochs_completed, 3);
  EXPECT_GT(summary.last_epoch_accuracy, 0.9);
  EXPECT_GT(advlab::models::evaluate_accuracy(m, test), 0.9);
  EXPECT_FALSE(m.is_training());
  EXPECT_NE(progress.str().find("epoch 3/3"), std::string::npos) << progress.str();
  EXPECT_NE(progress.str().find("step 16/16"), std::string::npos) << progress.str();
}

TEST(Trainer, SameSeedSameParameters) {
  auto train = quadrant_dataset(128, 1, 12);
  auto a = model("mlp", train), b = model("mlp", train);
  advlab::models::train_classifier(a, train, options(2));
  torch::manual_seed(123);  // the global generator must not matter
  advlab::models::train_classifier(b, train, options(2));
  expect_bitwise_equal(a, b);
}

TEST(Trainer, ResumedRunEqualsUninterruptedRun) {
  TempDir dir;
  auto train = quadrant_dataset(96, 3, 8);
  auto straight = model("resnet-small", train);
  advlab::models::train_classifier(straight, train, options(4, 16));

  auto o = options(2, 16);
  o.checkpoint_path = dir.file("run.ckpt");
  auto first = model("resnet-small", train);
  advlab::models::train_classifier(first, train, o);

  // Another initialisation proves the weights come from the checkpoint.
  auto resumed = model("resnet-small", train, /*seed=*/99);
  o.epochs = 4;
  o.resume = true;
  auto summary = advlab::models::train_classifier(resumed, train, o);
  EXPECT_EQ(summary.epochs_completed, 4);
  expect_bitwise_equal(straight, resumed);

  // The checkpoint is itself a loadable model holding the latest weights.
  expect_bitwise_equal(torch::jit::load(o.checkpoint_path), resumed);
}

TEST(Trainer, ResumeRefusesAnotherArchitectureOrSeed) {
  TempDir dir;
  auto train = quadrant_dataset(32, 1, 12);
  auto o = options(1);
  o.checkpoint_path = dir.file("run.ckpt");
  auto m = model("mlp", train);
  advlab::models::train_classifier(m, train, o);

  o.epochs = 2;
  o.resume = true;
  auto other = model("small-cnn", train);
  EXPECT_THROW(advlab::models::train_classifier(other, train, o), advlab::Error);
  o.seed = 6;
  auto same = model("mlp", train);
  EXPECT_THROW(advlab::models::train_classifier(same, train, o), advlab::Error);
}

// The optimizer state is a zip inside the checkpoint's zip, outside the CRC check: damage
// there must be a one-line advlab::Error, not a c10::Error escaping (found by fuzzing).
TEST(Trainer, DamagedOptimizerStateIsAnError) {
  TempDir dir;
  auto train = quadrant_dataset(32, 1, 12);
  auto m = model("mlp", train);
  const std::string state =
      R"({"epochs_completed":1,"seed":5,"batch_size":32,"last_epoch_loss":0.5,"last_epoch_accuracy":0.5})";
  auto path = dir.file("damaged.ckpt");
  m.save(path, {{"advlab/train_state.json", state}, {"advlab/optimizer.pt", "PK\x03\x04 not a zip"}});
  auto o = options(2);
  o.checkpoint_path = path;
  o.resume = true;
  try {
    advlab::models::train_classifier(m, train, o);
    FAIL() << "a damaged optimizer state was accepted";
  } catch (const advlab::Error& e) {
    EXPECT_NE(std::string(e.what()).find("unreadable optimizer state"), std::string::npos) << e.what();
  }
}

TEST(Trainer, BatchTransformSeesEvalModeAndReplacesInputs) {
  auto train = quadrant_dataset(64, 1, 12);
  auto m = model("linear", train);
  auto o = options(1);
  int calls = 0;
  o.batch_transform = [&](torch::jit::Module& module, const torch::Tensor& x, const torch::Tensor&) {
    ++calls;
    EXPECT_FALSE(module.is_training());
    return torch::zeros_like(x);
  };
  auto summary = advlab::models::train_classifier(m, train, o);
  EXPECT_EQ(calls, 2);
  // On all-zero inputs only the bias can be learnt: chance accuracy.
  EXPECT_LE(summary.last_epoch_accuracy, 0.5);
}

TEST(Trainer, RejectsBadOptions) {
  auto train = quadrant_dataset(16, 1, 12);
  auto m = model("linear", train);
  EXPECT_THROW(advlab::models::train_classifier(m, train, options(0)), advlab::Error);
  auto o = options(1);
  o.learning_rate = 0;
  EXPECT_THROW(advlab::models::train_classifier(m, train, o), advlab::Error);
  EXPECT_THROW(advlab::models::train_classifier(m, train, options(1, 0)), advlab::Error);
  EXPECT_THROW(advlab::models::train_classifier(m, advlab::data::Dataset{}, options(1)),
               advlab::Error);
}

}  // namespace
