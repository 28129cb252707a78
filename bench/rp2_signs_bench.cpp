// RP2 on the synthetic traffic signs (issue 6): sticker-masked perturbations on stop
// signs, targeted at speed-30, judged over 100 fresh random physical views each. Two
// scenes: close-ups (the sign fills the frame, as in the paper) and the test signs as
// rendered (random position and scale, so part of the sticker mask may miss the sign).
// Counters: success (fraction of views read as speed-30, mean over images), the same for
// the clean signs (baseline), success on the plain images, and the classifier's accuracy.
//   build/advlab_bench --benchmark_filter=Rp2Signs
// The sign set and classifier are cached in ADVLAB_BENCH_SIGNS_DIR (default cache/signs);
// ADVLAB_BENCH_SIGN_IMAGES stop signs are attacked (default 20); ADVLAB_BENCH_RP2_OPTIONS
// adds attack options ("samples=16;lr=0.05") to compare settings.
#include "advlab/attacks/registry.h"
#include "advlab/core/threads.h"
#include "advlab/criteria/criterion.h"
#include "advlab/data/synthetic_signs.h"
#include "advlab/eval/transform_robustness.h"
#include "advlab/models/classifier.h"
#include "advlab/models/sign_model.h"

#include <benchmark/benchmark.h>

#include <cstdlib>
#include <iostream>
#include <map>
#include <sstream>
#include <string>

namespace {

void rp2_signs(benchmark::State& state, std::string scene, int64_t steps) {
  advlab::configure_runtime();
  advlab::models::SignModelOptions options;
  if (const char* dir = std::getenv("ADVLAB_BENCH_SIGNS_DIR")) options.dir = dir;
  options.progress = &std::cerr;
  auto signs = advlab::models::ensure_sign_model(options);
  int64_t images = 20;
  if (const char* n = std::getenv("ADVLAB_BENCH_SIGN_IMAGES")) images = std::atoll(n);

  const int64_t stop = advlab::data::sign_class_index("stop");
  const int64_t target = advlab::data::sign_class_index("speed-30");
  advlab::data::Dataset picked;
  if (scene == "closeup") {
    picked.images = advlab::data::render_sign_closeups(stop, images, signs.test.images.size(-1), 0);
    picked.labels = torch::full({images}, stop, torch::kInt64);
  } else {
    picked = signs.test.select(torch::nonzero(signs.test.labels == stop).flatten()).head(images);
  }
  advlab::TorchScriptClassifier model(signs.module);
  advlab::TargetedMisclassification criterion(torch::full({picked.size()}, target, torch::kInt64));
  advlab::eval::TransformSuccessOptions views;
  views.views = 100;
  views.seed = 12345;  // views the attack never optimised on

  double success = 0, plain = 0;
  for (auto _ : state) {
    std::map<std::string, std::string> options;  // steps 0: the attack's default
    if (steps > 0) options["steps"] = std::to_string(steps);
    if (const char* extra = std::getenv("ADVLAB_BENCH_RP2_OPTIONS")) {
      std::stringstream list(extra);
      for (std::string item; std::getline(list, item, ';');) {
        auto eq = item.find('=');
        if (eq != std::string::npos) options[item.substr(0, eq)] = item.substr(eq + 1);
      }
    }
    auto attack = advlab::make_attack("rp2", options);
    auto result = attack->run(model, picked.images, criterion, 0);
    plain = result.success.to(torch::kFloat32).mean().item<double>();
    success = advlab::eval::success_under_transforms(model, result.adversarials, criterion, views)
                  .mean()
                  .item<double>();
  }
  state.counters["success"] = success;
  state.counters["success_plain"] = plain;
  state.counters["baseline_clean"] =
      advlab::eval::success_under_transforms(model, picked.images, criterion, views).mean().item<double>();
  state.counters["test_accuracy"] = signs.test_accuracy;
  state.counters["images"] = static_cast<double>(picked.size());
  torch::NoGradGuard no_grad;
  state.counters["clean_accuracy"] =
      (model.predict(picked.images) == picked.labels).to(torch::kFloat32).mean().item<double>();
}

const bool rp2_signs_registered = [] {
  for (const char* scene : {"closeup", "test"})
    for (int64_t steps : {0, 100}) {
      benchmark::RegisterBenchmark(
          ("Rp2Signs/" + std::string(scene) + "/stop->speed-30/" + (steps ? "steps" + std::to_string(steps) : "defaults")).c_str(), rp2_signs,
          std::string(scene), steps)
          ->Iterations(1)
          ->Unit(benchmark::kSecond);
    }
  return true;
}();

}  // namespace
