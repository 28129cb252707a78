// PGD's cost per step against its floor: one bare forward + backward of the same batch
// through the same TorchScript module. The ratio is the attack framework's overhead.
//   build/advlab_bench --benchmark_filter=Pgd
#include "advlab/attacks/registry.h"
#include "advlab/core/threads.h"
#include "advlab/criteria/criterion.h"
#include "advlab/models/architectures.h"

#include <benchmark/benchmark.h>
#include <torch/torch.h>

#include <chrono>

namespace {

constexpr int64_t kSteps = 20;

double bare_forward_backward_seconds(advlab::TorchScriptClassifier& model, const torch::Tensor& x,
                                     const torch::Tensor& y, int reps) {
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < reps; ++i) {
    auto input = x.detach().requires_grad_(true);
    auto loss = torch::cross_entropy_loss(model.logits(input), y);
    benchmark::DoNotOptimize(torch::autograd::grad({loss}, {input})[0]);
  }
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() / reps;
}

void BM_ForwardBackward(benchmark::State& state) {
  advlab::configure_runtime();
  torch::manual_seed(0);
  advlab::TorchScriptClassifier model(advlab::models::make_architecture("small-cnn", {}));
  auto x = torch::rand({state.range(0), 1, 28, 28});
  auto y = torch::randint(10, {state.range(0)});
  for (auto _ : state) benchmark::DoNotOptimize(bare_forward_backward_seconds(model, x, y, 1));
  state.SetItemsProcessed(state.iterations() * state.range(0));
}

void BM_PgdStep(benchmark::State& state) {
  advlab::configure_runtime();
  torch::manual_seed(0);
  advlab::TorchScriptClassifier model(advlab::models::make_architecture("small-cnn", {}));
  auto x = torch::rand({state.range(0), 1, 28, 28});
  // Labels = the model's own predictions and a budget too small to flip them: every
  // sample stays active for every step, so the step count is exact.
  auto y = model.predict(x);
  advlab::Misclassification criterion(y);
  auto attack = advlab::make_attack("pgd", {{"eps", "1e-6"}, {"steps", std::to_string(kSteps)}});
  double floor = bare_forward_backward_seconds(model, x, y, 5);
  double total = 0;
  for (auto _ : state) {
    auto start = std::chrono::steady_clock::now();
    benchmark::DoNotOptimize(attack->run(model, x, criterion, 0));
    total += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
  double per_step = total / static_cast<double>(state.iterations()) / kSteps;
  state.counters["step_ms"] = per_step * 1e3;
  state.counters["floor_ms"] = floor * 1e3;
  state.counters["ratio"] = per_step / floor;
  state.SetItemsProcessed(state.iterations() * state.range(0) * kSteps);
}

}  // namespace

BENCHMARK(BM_ForwardBackward)->Arg(1)->Arg(32)->Arg(256)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_PgdStep)->Arg(1)->Arg(32)->Arg(256)->Unit(benchmark::kMillisecond);
BENCHMARK_MAIN();
