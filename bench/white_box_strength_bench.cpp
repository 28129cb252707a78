// Robust accuracy and wall time of every white-box attack in the registry on the default
// Fashion-MNIST CNN, untargeted, at L-inf eps 0.1 and L2 eps 1.5 (each attack at its
// default settings), so a change that weakens an attack shows up as a higher number.
//   build/advlab_bench --benchmark_filter=WhiteBox   (ADVLAB_BENCH_IMAGES=1000 by default)
#include "advlab/attacks/registry.h"
#include "advlab/eval/attack_run.h"
#include "bench_setup.h"

#include <benchmark/benchmark.h>

#include <algorithm>

namespace {

void run_white_box(benchmark::State& state, std::string attack, std::string norm, double eps) {
  const auto& setup = advlab::bench::default_setup();
  nlohmann::json metrics;
  for (auto _ : state) {
    auto a = advlab::make_attack(attack, {{"norm", norm}, {"eps", c10::str(eps)}});
    advlab::eval::AttackRunOptions options;
    options.batch_size = 250;
    metrics = advlab::eval::summarize(advlab::eval::run_attack(*a, *setup.model, setup.test, options));
  }
  state.counters["robust_acc"] = metrics["robust_accuracy"].get<double>();
  state.counters["success"] = metrics["success_rate"].get<double>();
  state.counters["img_per_s"] = metrics["images_per_second"].get<double>();
  state.counters["grads_per_success"] = advlab::bench::number(metrics["gradients"]["mean"]);
}

const bool white_box_registered = [] {
  for (const auto& spec : advlab::attack_registry()) {
    if (!spec.required_options.empty()) continue;  // needs a trained network file
    if (spec.family != "white-box") continue;
    for (auto [norm, eps] : {std::pair<const char*, double>{"linf", 0.1}, {"l2", 1.5}}) {
      if (std::find(spec.norms.begin(), spec.norms.end(), norm) == spec.norms.end()) continue;
      benchmark::RegisterBenchmark(("WhiteBox/" + spec.name + "/" + norm).c_str(), run_white_box,
                                   spec.name, std::string(norm), eps)
          ->Iterations(1)
          ->Unit(benchmark::kSecond);
    }
  }
  return true;
}();

}  // namespace
