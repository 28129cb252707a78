#pragma once
// Shared by the attack benchmarks: the default Fashion-MNIST CNN (trained once, cached)
// and the first N test images, N from ADVLAB_BENCH_IMAGES (default 1000).
#include "advlab/data/dataset.h"
#include "advlab/models/classifier.h"

#include <nlohmann/json.hpp>

#include <limits>
#include <memory>

namespace advlab::bench {

struct BenchSetup {
  std::shared_ptr<TorchScriptClassifier> model;
  data::Dataset test;
};

// A metrics.json number, NaN where it is null (e.g. a median over no successes).
inline double number(const nlohmann::json& value) {
  return value.is_number() ? value.get<double>() : std::numeric_limits<double>::quiet_NaN();
}

// Model file: ADVLAB_BENCH_MODEL, else cache/fashion-small-cnn.pt (trained if absent).
const BenchSetup& default_setup();

}  // namespace advlab::bench
