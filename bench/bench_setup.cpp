#include "bench_setup.h"

#include "advlab/core/threads.h"
#include "advlab/data/load.h"
#include "advlab/models/default_model.h"

#include <cstdlib>
#include <iostream>

namespace advlab::bench {

const BenchSetup& default_setup() {
  static const BenchSetup setup = [] {
    configure_runtime();
    BenchSetup s;
    models::DefaultModelOptions options;
    if (const char* path = std::getenv("ADVLAB_BENCH_MODEL")) options.cache = path;
    options.progress = &std::cerr;
    s.model = TorchScriptClassifier::load(models::ensure_default_model(options));
    int64_t n = 1000;
    if (const char* images = std::getenv("ADVLAB_BENCH_IMAGES")) n = std::atoll(images);
    s.test = data::load_dataset("fashion-mnist:test").head(n);
    s.model->probe({1, 28, 28});
    return s;
  }();
  return setup;
}

}  // namespace advlab::bench
