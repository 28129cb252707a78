// Per-step cost of APGD, FAB, C&W and Square against their floor at batch 256: one bare
// forward + backward of the same batch through the same TorchScript module (forward only
// for Square). The eps is too small to flip any prediction, so every sample stays active
// and the step count is exact; the ratio is what the attack adds around the model.
// cpu_ratio is the same in process CPU time: on a shared machine, with ADVLAB_THREADS=1,
// it moves less than the wall-clock ratio.
//   ADVLAB_THREADS=1 build/advlab_bench --benchmark_filter=AttackStep
#include "advlab/attacks/registry.h"
#include "advlab/core/threads.h"
#include "advlab/criteria/criterion.h"
#include "advlab/models/architectures.h"

#include <benchmark/benchmark.h>
#include <torch/torch.h>

#include <chrono>
#include <ctime>

namespace {

// Wall and process-CPU seconds since construction.
struct Stopwatch {
  std::chrono::steady_clock::time_point wall = std::chrono::steady_clock::now();
  std::clock_t cpu = std::clock();
  double wall_s() const { return std::chrono::duration<double>(std::chrono::steady_clock::now() - wall).count(); }
  double cpu_s() const { return static_cast<double>(std::clock() - cpu) / CLOCKS_PER_SEC; }
};

struct Seconds {
  double wall = 0, cpu = 0;
};

Seconds bare_pass_seconds(advlab::Classifier& model, const torch::Tensor& x, const torch::Tensor& y,
                          bool backward, int reps) {
  Stopwatch watch;
  for (int i = 0; i < reps; ++i) {
    if (!backward) {
      torch::NoGradGuard no_grad;
      benchmark::DoNotOptimize(model.logits(x));
      continue;
    }
    auto input = x.detach().requires_grad_(true);
    auto loss = torch::cross_entropy_loss(model.logits(input), y);
    benchmark::DoNotOptimize(torch::autograd::grad({loss}, {input})[0]);
  }
  return {watch.wall_s() / reps, watch.cpu_s() / reps};
}

struct StepCase {
  const char* attack;
  advlab::ParamValues options;
  int64_t steps;  // model passes the options imply (gradient passes, or queries for Square)
  bool backward;  // floor: forward + backward (true) or forward only
};

void run_case(benchmark::State& state, const StepCase& c) {
  advlab::configure_runtime();
  torch::manual_seed(0);
  advlab::TorchScriptClassifier model(advlab::models::make_architecture("small-cnn", {}));
  auto x = torch::rand({state.range(0), 1, 28, 28});
  auto y = model.predict(x);
  advlab::Misclassification criterion(y);
  auto attack = advlab::make_attack(c.attack, c.options);
  // The floor is measured between attack runs, so both see the same machine load.
  Seconds total, floor;
  int64_t runs = 0;
  for (auto _ : state) {
    Stopwatch watch;
    benchmark::DoNotOptimize(attack->run(model, x, criterion, 0));
    total.wall += watch.wall_s();
    total.cpu += watch.cpu_s();
    auto f = bare_pass_seconds(model, x, y, c.backward, 5);
    floor.wall += f.wall;
    floor.cpu += f.cpu;
    ++runs;
  }
  floor.wall /= static_cast<double>(runs);
  floor.cpu /= static_cast<double>(runs);
  const double steps = static_cast<double>(state.iterations()) * static_cast<double>(c.steps);
  state.counters["step_ms"] = total.wall / steps * 1e3;
  state.counters["floor_ms"] = floor.wall * 1e3;
  state.counters["ratio"] = total.wall / steps / floor.wall;
  state.counters["cpu_ratio"] = total.cpu / steps / floor.cpu;
}

// APGD: 40 gradient passes and one last check.
void BM_AttackStepApgd(benchmark::State& s) { run_case(s, {"apgd-ce", {{"eps", "1e-6"}, {"steps", "40"}}, 40, true}); }
// FAB-T, one target: 20 gradient passes of the targeted plane.
void BM_AttackStepFabT(benchmark::State& s) {
  run_case(s, {"fab-t", {{"eps", "1e-6"}, {"steps", "20"}, {"target_classes", "1"}}, 20, true});
}
// Untargeted FAB: one step needs the gradient of every class margin (9 for 10 classes);
// counted here as one step, so its ratio is against a single forward + backward.
void BM_AttackStepFab(benchmark::State& s) { run_case(s, {"fab", {{"eps", "1e-6"}, {"steps", "5"}}, 5, true}); }
void BM_AttackStepCw(benchmark::State& s) {
  run_case(s, {"cw", {{"steps", "40"}, {"search_steps", "1"}, {"abort_early", "false"}}, 40, true});
}
// Square: 200 queries, the clean check included; forward-only floor.
void BM_AttackStepSquare(benchmark::State& s) {
  run_case(s, {"square", {{"eps", "1e-6"}, {"queries", "200"}}, 200, false});
}

}  // namespace

BENCHMARK(BM_AttackStepApgd)->Arg(256)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_AttackStepFabT)->Arg(256)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_AttackStepFab)->Arg(256)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_AttackStepCw)->Arg(256)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_AttackStepSquare)->Arg(256)->Unit(benchmark::kMillisecond);
