// End to end on a small synthetic sign set: the built-in CNN learns the signs well above
// chance in a few seconds, so the rendered classes carry learnable, distinct content.
#include "advlab/data/synthetic_signs.h"
#include "advlab/models/architectures.h"
#include "advlab/models/trainer.h"

#include <gtest/gtest.h>

namespace data = advlab::data;
namespace models = advlab::models;

TEST(SignTraining, SmallCnnLearnsSignsWellAboveChance) {
  auto sets = data::make_sign_datasets({60, 20, 32, 3});
  models::ArchitectureOptions arch;
  arch.in_channels = 3;
  arch.height = arch.width = 32;
  arch.num_classes = sets.train.num_classes;
  auto module = models::make_architecture("small-cnn", arch);
  models::TrainOptions options;
  options.epochs = 3;
  options.batch_size = 32;
  options.learning_rate = 2e-3;
  models::train_classifier(module, sets.train, options);
  const double chance = 1.0 / static_cast<double>(sets.train.num_classes);
  const double accuracy = models::evaluate_accuracy(module, sets.test);
  EXPECT_GT(accuracy, 3 * chance) << "test accuracy " << accuracy;
}
