#pragma once
// A small CNN trained on a Fashion-MNIST subset, shared by tests that need a real model.
// Trained once and cached as a TorchScript file in the build tree, because CTest runs
// every test in its own process.
#include "advlab/data/dataset.h"
#include "advlab/models/classifier.h"

#include <cstdint>
#include <memory>
#include <string>

namespace advlab::testing {

struct TrainedModel {
  std::string path;  // the cached .pt file
  data::Dataset test;  // held-out images for attacks
  std::shared_ptr<TorchScriptClassifier> model;
};

// The first n test images of a trained model, their labels, and the indices of those it
// classifies correctly (the samples a minimum-norm comparison is about).
struct TestImages {
  torch::Tensor x, labels, correct;
};
TestImages first_test_images(const TrainedModel& trained, int64_t n);

// The training seed of the shared test models (fashion_cnn(), fashion_robust_cnn() and the
// fixtures trained against them): ADVLAB_TEST_MODEL_SEED from the environment, a positive
// integer, default 1.
// Running the suite under other seeds shows the spread that tests' thresholds must allow
// for (the model differs in its last bits from one CPU to another).
uint64_t test_model_seed();
// `file` ("name.pt") as cached for test_model_seed(): unchanged for seed 1, "name-seedN.pt"
// otherwise, so models of different seeds never share a cache file.
std::string seeded_cache_file(const std::string& file);

// Skips the calling test (GTEST_SKIP) when Fashion-MNIST is not installed: check
// fashion_mnist_available() first.
bool fashion_mnist_available();
const TrainedModel& fashion_cnn();
// The same architecture and data, adversarially trained (FGSM with random start, L-inf
// eps 0.1): the "robust" model that evaluation tests compare against fashion_cnn().
const TrainedModel& fashion_robust_cnn();

// A fresh directory under the system temp dir, removed with everything in it when the
// test process ends (kept when ADVLAB_KEEP_TEST_DIRS is set, to look at a failure).
std::string make_temp_dir(const std::string& tag);

}  // namespace advlab::testing
