// Success rate and median queries of every black-box attack in the registry on the
// default Fashion-MNIST CNN, untargeted, at query budgets 100, 1000 and 10000 per image
// (first norm each attack supports: L-inf eps 0.1, L2 eps 1.5, L0 10 pixels).
//   build/advlab_bench --benchmark_filter=BlackBox   (ADVLAB_BENCH_IMAGES=1000 by default)
#include "advlab/attacks/registry.h"
#include "advlab/core/error.h"
#include "advlab/eval/attack_run.h"
#include "bench_setup.h"

#include <benchmark/benchmark.h>

namespace {

double budget_for(const std::string& norm) {
  if (norm == "linf") return 0.1;
  if (norm == "l2") return 1.5;
  if (norm == "l1") return 15;
  return 10;  // l0: pixels
}

void run_black_box(benchmark::State& state, std::string attack, std::string norm, int64_t queries) {
  const auto& setup = advlab::bench::default_setup();
  nlohmann::json metrics;
  std::map<std::string, std::string> settings{
      {"norm", norm}, {"eps", c10::str(budget_for(norm))}, {"queries", std::to_string(queries)}};
  // One-pixel's default population (100) alone spends a budget of 100.
  if (attack == "onepixel" && queries <= 100) settings["population"] = std::to_string(queries / 5);
  for (auto _ : state) {
    try {
      auto a = advlab::make_attack(attack, settings);
      advlab::eval::AttackRunOptions options;
      options.batch_size = 250;
      metrics = advlab::eval::summarize(advlab::eval::run_attack(*a, *setup.model, setup.test, options));
    } catch (const advlab::Error& e) {
      state.SkipWithError(e.what());
      return;
    }
  }
  state.counters["success"] = metrics["success_rate"].get<double>();
  state.counters["robust_acc"] = metrics["robust_accuracy"].get<double>();
  state.counters["median_queries"] = advlab::bench::number(metrics["queries"]["median"]);
}

const bool black_box_registered = [] {
  for (const auto& spec : advlab::attack_registry()) {
    if (!spec.required_options.empty()) continue;  // needs a trained network file
    if (spec.family != "black-box") continue;
    for (int64_t queries : {100, 1000, 10000}) {
      const auto& norm = spec.norms.front();
      benchmark::RegisterBenchmark(("BlackBox/" + spec.name + "/" + norm + "/q" + std::to_string(queries)).c_str(),
                                   run_black_box, spec.name, norm, queries)
          ->Iterations(1)
          ->Unit(benchmark::kSecond);
    }
  }
  return true;
}();

}  // namespace
