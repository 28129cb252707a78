// AdvGAN against the default Fashion-MNIST CNN at L-inf eps 0.1, untargeted: success rate
// on the benchmark's test images (aim >= 90%) and generation time per image against
// PGD-40 on the same images (aim >= 100x faster). The generator is trained once (resumable)
// and cached in cache/advgan-fashion-linf-0.1/.
//   build/advlab_bench --benchmark_filter=AdvGan
// ADVLAB_BENCH_ADVGAN_EPOCHS (default 5) and ADVLAB_BENCH_ADVGAN_TRAIN (training images,
// default 60000) set the training; another value trains into another cache folder.
#include "advlab/attacks/registry.h"
#include "advlab/data/load.h"
#include "advlab/eval/attack_run.h"
#include "advlab/gan/advgan_trainer.h"
#include "advlab/io/json_file.h"
#include "advlab/models/module_file.h"
#include "bench_setup.h"

#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>

namespace {

int64_t advgan_bench_env(const char* name, int64_t fallback) {
  const char* v = std::getenv(name);
  return v ? std::atoll(v) : fallback;
}

std::string advgan_bench_generator() {
  int64_t epochs = advgan_bench_env("ADVLAB_BENCH_ADVGAN_EPOCHS", 5);
  int64_t images = advgan_bench_env("ADVLAB_BENCH_ADVGAN_TRAIN", 60000);
  auto dir = c10::str("cache/advgan-fashion-linf-0.1-e", epochs, "-n", images);
  auto path = dir + "/generator.pt";
  if (std::filesystem::exists(path)) return path;
  const auto& setup = advlab::bench::default_setup();
  auto train = advlab::data::load_dataset("fashion-mnist:train").head(images);
  auto options = advlab::gan::AdvGanOptions(0.1)
                     .epochs(epochs)
                     .checkpoint_path(dir + "/checkpoint.pt")
                     .resume(true)
                     .progress(&std::cerr);
  auto summary = advlab::gan::train_advgan(*setup.model, train, options);
  advlab::io::write_json_atomic(dir + "/training.json", summary.to_json());
  advlab::models::save_module_atomic(summary.generator, path);
  return path;
}

nlohmann::json advgan_bench_run(const std::string& attack, const std::map<std::string, std::string>& options) {
  const auto& setup = advlab::bench::default_setup();
  auto a = advlab::make_attack(attack, options);
  advlab::eval::AttackRunOptions run;
  run.batch_size = 250;
  return advlab::eval::summarize(advlab::eval::run_attack(*a, *setup.model, setup.test, run));
}

void BM_AdvGanVsPgd40(benchmark::State& state) {
  auto generator = advgan_bench_generator();
  nlohmann::json advgan, pgd;
  for (auto _ : state) {
    advgan = advgan_bench_run("advgan", {{"generator", generator}, {"eps", "0.1"}});
    pgd = advgan_bench_run("pgd", {{"eps", "0.1"}, {"steps", "40"}});
  }
  double n = advgan["n"].get<double>();
  double advgan_ms = 1e3 * advgan["seconds"].get<double>() / n;
  double pgd_ms = 1e3 * pgd["seconds"].get<double>() / n;
  state.counters["success"] = advgan["success_rate"].get<double>();
  state.counters["pgd40_success"] = pgd["success_rate"].get<double>();
  state.counters["ms_per_img"] = advgan_ms;
  state.counters["pgd40_ms_per_img"] = pgd_ms;
  state.counters["speedup"] = pgd_ms / advgan_ms;
  std::cerr << "advgan: success " << advgan["success_rate"] << ", " << advgan_ms << " ms/img; pgd-40: success "
            << pgd["success_rate"] << ", " << pgd_ms << " ms/img; speedup " << pgd_ms / advgan_ms << "x\n";
}

}  // namespace

BENCHMARK(BM_AdvGanVsPgd40)->Iterations(1)->Unit(benchmark::kSecond);
