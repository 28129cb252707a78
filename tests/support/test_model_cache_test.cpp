// Trains (or finds) the shared test model. CTest runs this first as a fixture, so the
// tests that need the model do not each train it in parallel.
#include "support/trained_models.h"

#include <gtest/gtest.h>

TEST(TestModelCache, Prepare) {
  if (!advlab::testing::fashion_mnist_available()) GTEST_SKIP() << "Fashion-MNIST not installed";
  EXPECT_FALSE(advlab::testing::fashion_cnn().path.empty());
  EXPECT_FALSE(advlab::testing::fashion_robust_cnn().path.empty());
}
