// The cost of fixed-row passes (ClassifierOptions::pass_rows): one forward, or forward +
// input gradient, of a batch through TorchScriptClassifier::logits with the batch cut
// into calls of exactly R rows (0 = one call). Small batches show the padding's waste
// (a batch of 1 is computed as R rows), large ones the per-call overhead and BLAS's
// preference for tall matrices.
//   ADVLAB_THREADS=1 build/advlab_bench --benchmark_filter=ModelPass
// Arguments: pass rows, batch size, architecture (0 small-cnn 1x28x28, 1 resnet-small 3x32x32).
#include "advlab/core/threads.h"
#include "advlab/models/architectures.h"
#include "advlab/models/classifier.h"

#include <benchmark/benchmark.h>
#include <torch/torch.h>

namespace {

struct PassCase {
  advlab::TorchScriptClassifier model;
  torch::Tensor x;
};

PassCase make_case(const benchmark::State& state) {
  advlab::configure_runtime();
  torch::manual_seed(0);
  const bool resnet = state.range(2) == 1;
  advlab::models::ArchitectureOptions arch;
  if (resnet) arch.in_channels = 3, arch.height = arch.width = 32;
  advlab::ClassifierOptions options;
  options.pass_rows = state.range(0);
  return {advlab::TorchScriptClassifier(advlab::models::make_architecture(resnet ? "resnet-small" : "small-cnn", arch),
                                        options),
          torch::rand({state.range(1), arch.in_channels, arch.height, arch.width})};
}

void BM_ModelPassForward(benchmark::State& state) {
  auto c = make_case(state);
  torch::NoGradGuard no_grad;
  for (auto _ : state) benchmark::DoNotOptimize(c.model.logits(c.x));
  state.SetItemsProcessed(state.iterations() * state.range(1));
}

// Score queries of the black-box attacks: through the inference-optimised copy.
void BM_ModelPassQuery(benchmark::State& state) {
  auto c = make_case(state);
  torch::NoGradGuard no_grad;
  for (auto _ : state) benchmark::DoNotOptimize(c.model.query_logits(c.x));
  state.SetItemsProcessed(state.iterations() * state.range(1));
}

void BM_ModelPassGradient(benchmark::State& state) {
  auto c = make_case(state);
  for (auto _ : state) {
    auto input = c.x.detach().requires_grad_(true);
    auto loss = c.model.logits(input).logsumexp(1).sum();
    benchmark::DoNotOptimize(torch::autograd::grad({loss}, {input})[0]);
  }
  state.SetItemsProcessed(state.iterations() * state.range(1));
}

// The attacks' route: one pass kept for input gradients (groups of rows side by side
// when the model call is cut into rows and there is more than one thread).
void BM_ModelPassGradientPass(benchmark::State& state) {
  auto c = make_case(state);
  for (auto _ : state) {
    auto pass = c.model.gradient_pass(c.x);
    auto upstream = torch::softmax(pass->logits(), 1);
    benchmark::DoNotOptimize(pass->input_gradient(upstream, false));
  }
  state.SetItemsProcessed(state.iterations() * state.range(1));
}

void pass_cases(benchmark::internal::Benchmark* b) {
  for (int64_t arch : {0, 1})
    for (int64_t batch : {1, 7, 256})
      for (int64_t rows : {0, 8, 16, 32, 64}) b->Args({rows, batch, arch});
}

}  // namespace

BENCHMARK(BM_ModelPassForward)->Apply(pass_cases)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_ModelPassQuery)->Apply(pass_cases)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_ModelPassGradient)->Apply(pass_cases)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_ModelPassGradientPass)->Apply(pass_cases)->Unit(benchmark::kMicrosecond);
