// FAB's step projects 2 x batch points onto their linearised boundary within the box
// (boundary_projection.h): at batch 256 and 784 pixels that is 512 rows of 784. Its cost
// against one forward + backward of the small CNN (bench AttackStep's floor, ~130 ms at
// 1 thread) is what FAB adds around the model.
//   ADVLAB_THREADS=1 build/advlab_bench --benchmark_filter=BoundaryProjection
#include "advlab/attacks/gradient/boundary_projection.h"
#include "advlab/core/threads.h"

#include <benchmark/benchmark.h>
#include <torch/torch.h>

namespace {

void BM_BoundaryProjection(benchmark::State& state, const char* norm) {
  advlab::configure_runtime();
  torch::manual_seed(0);
  const int64_t rows = state.range(0), dims = 784;
  auto x = torch::rand({rows, dims});
  auto w = torch::randn({rows, dims});
  // Planes at a random signed offset from x, some beyond the box's reach.
  auto b = (w * x).sum(1) + torch::randn({rows}) * 2;
  advlab::Bounds bounds{0.0, 1.0};
  const auto& geometry = advlab::boundary_geometry(norm);
  for (auto _ : state) benchmark::DoNotOptimize(geometry.project(x, w, b, bounds));
}

}  // namespace

BENCHMARK_CAPTURE(BM_BoundaryProjection, linf, "linf")->Arg(512)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_BoundaryProjection, l2, "l2")->Arg(512)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_BoundaryProjection, l1, "l1")->Arg(512)->Unit(benchmark::kMillisecond);
