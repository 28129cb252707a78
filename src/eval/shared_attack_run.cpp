#include "advlab/eval/shared_attack_run.h"

#include "advlab/core/error.h"
#include "advlab/core/progress.h"
#include "advlab/dist/tensor_bytes.h"
#include "advlab/eval/evaluation_state.h"

#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <map>

namespace advlab::eval {

AttackRun run_attack_shared(Attack& attack, Classifier& model, const data::Dataset& dataset,
                            const torch::Tensor& rows, const AttackRunOptions& options, dist::Group& group,
                            const std::string& tag) {
  ADVLAB_CHECK(options.batch_size >= 1, "batch size must be >= 1, got ", options.batch_size);
  const auto start = std::chrono::steady_clock::now();
  const auto all_rows = rows.to(torch::kCPU, torch::kLong);
  // Chunks of at most a batch, and small enough that each rank gets about four: with one
  // chunk per rank the rank that drew the robust samples would finish last.
  const int64_t n = all_rows.size(0);
  const int64_t size = std::max<int64_t>(1, std::min(options.batch_size, (n + 4 * group.size() - 1) / (4 * group.size())));
  const int64_t chunks = (n + size - 1) / size;

  AttackRunOptions chunk_options = options;
  chunk_options.progress = nullptr;
  chunk_options.resumed.reset();
  chunk_options.resumed_batches = 0;
  chunk_options.after_batch = nullptr;
  ProgressLine progress(options.progress, attack.name() + " (" + std::to_string(group.size()) + " ranks)", n);
  io::NamedTensors mine;
  for (int64_t c = group.next_ticket(tag); c < chunks; c = group.next_ticket(tag)) {
    auto chunk = all_rows.slice(0, c * size, std::min((c + 1) * size, n));
    chunk_options.sample_ids = chunk;
    auto run = run_attack(attack, model, dataset.select(chunk), chunk_options);
    auto p = "chunk" + std::to_string(c) + ".";
    put_result(mine, p, run.result);
    mine.emplace_back(p + "iterations", torch::tensor({run.result.iterations}, torch::kLong));
    int64_t done = group.add("attacked/" + tag, chunk.size(0));
    int64_t broken = group.add("broken/" + tag, run.result.success.sum().item<int64_t>());
    progress.update(done, c10::str("success ", broken, "/", done, " (all ranks)"));
  }

  std::map<std::string, torch::Tensor> all;
  for (const auto& bytes : group.all_gather(dist::tensors_to_bytes(mine)))
    for (auto& [name, t] : dist::bytes_to_tensors(bytes)) all[name] = t;
  std::vector<AttackResult> parts;
  for (int64_t c = 0; c < chunks; ++c) {
    auto p = "chunk" + std::to_string(c) + ".";
    ADVLAB_CHECK(all.count(p + "iterations"), "distributed: no rank returned chunk ", c, " of ", tag);
    auto r = take_result(all, p);
    r.iterations = all.at(p + "iterations").item<int64_t>();
    parts.push_back(std::move(r));
  }
  AttackRun run;
  run.attack = attack.name();
  run.params = attack.params(options.budget.value_or(attack.default_budget()));
  run.seed = options.seed;
  run.result = concatenate(parts);
  run.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  progress.finish(c10::str("success ", run.result.success.sum().item<int64_t>(), "/", n, " (all ranks)"));
  return run;
}

}  // namespace advlab::eval
