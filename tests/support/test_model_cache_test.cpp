// Trains (or finds) the shared test models. CTest runs these first as fixtures, so the
// tests that need a model do not each train it in parallel. One test per model: CTest
// trains them side by side, one core each, which beats one process training both on
// two cores (2-core machine: 152 s for both in turn on 2 threads).
#include "support/trained_models.h"

#include <gtest/gtest.h>

TEST(TestModelCache, Standard) {
  if (!advlab::testing::fashion_mnist_available()) GTEST_SKIP() << "Fashion-MNIST not installed";
  EXPECT_FALSE(advlab::testing::fashion_cnn().path.empty());
}

TEST(TestModelCache, AdversariallyTrained) {
  if (!advlab::testing::fashion_mnist_available()) GTEST_SKIP() << "Fashion-MNIST not installed";
  EXPECT_FALSE(advlab::testing::fashion_robust_cnn().path.empty());
}
