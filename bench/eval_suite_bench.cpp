// `standard`-suite robustness (apgd-ce, apgd-t, fab-t, square; worst case per sample) of
// the default Fashion-MNIST CNN and of a PGD-trained one at L-inf eps 0.1 and 0.2, with
// wall time. The PGD-trained model (PGD-10, eps 0.1, 2 epochs) is cached next to the
// default one on first use (about 10 minutes on 2 cores).
//   build/advlab_bench --benchmark_filter=EvalSuite   (ADVLAB_BENCH_IMAGES=1000 by default)
#include "advlab/data/load.h"
#include "advlab/defenses/adversarial_training.h"
#include "advlab/eval/attack_suite.h"
#include "advlab/eval/robustness_evaluation.h"
#include "advlab/models/architectures.h"
#include "advlab/models/module_file.h"
#include "advlab/models/trainer.h"
#include "bench_setup.h"

#include <benchmark/benchmark.h>

#include <filesystem>
#include <iostream>

namespace {

std::shared_ptr<advlab::TorchScriptClassifier> pgd_trained_model() {
  const std::string path = "cache/fashion-small-cnn-pgd.pt";
  if (!std::filesystem::exists(path)) {
    auto train = advlab::data::load_dataset("fashion-mnist:train");
    auto module = advlab::models::make_architecture("small-cnn", {});
    advlab::models::TrainOptions options;
    options.epochs = 2;
    options.checkpoint_path = path + ".ckpt";
    options.resume = true;
    options.progress = &std::cerr;
    options.objective = advlab::defenses::make_adversarial_objective(
        advlab::defenses::AdversarialTrainingOptions("pgd", 0.1).steps(10));
    advlab::models::train_classifier(module, train, options);
    advlab::models::save_module_atomic(module, path);
  }
  return advlab::TorchScriptClassifier::load(path);
}

void run_suite(benchmark::State& state, bool robust_model) {
  const auto& setup = advlab::bench::default_setup();
  auto model = robust_model ? pgd_trained_model() : setup.model;
  advlab::eval::EvaluationOptions options;
  options.attacks = advlab::eval::resolve_suite("standard", "linf");
  options.eps = {0.1, 0.2};
  options.checks = false;
  advlab::eval::RobustnessEvaluation ev;
  for (auto _ : state) ev = advlab::eval::evaluate_robustness(*model, setup.test, options);
  state.counters["clean_acc"] = ev.clean_accuracy();
  state.counters["robust_acc_eps0.1"] = ev.per_eps[0].robust_accuracy();
  state.counters["robust_acc_eps0.2"] = ev.per_eps[1].robust_accuracy();
}

const bool eval_suite_registered = [] {
  benchmark::RegisterBenchmark("EvalSuite/standard/default-cnn", run_suite, false)->Iterations(1)->Unit(benchmark::kSecond);
  benchmark::RegisterBenchmark("EvalSuite/standard/pgd-trained-cnn", run_suite, true)->Iterations(1)->Unit(benchmark::kSecond);
  return true;
}();

}  // namespace
