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

std::vector<int64_t> chunk_starts(int64_t n, int64_t batch_size, int64_t pass_rows, int64_t ranks) {
  ADVLAB_CHECK(batch_size >= 1 && pass_rows >= 0 && ranks >= 1, "chunk_starts: bad arguments");
  // Guided self-scheduling: each chunk is about a (2 x ranks)-th of what is left, so the
  // first chunks are large (few model calls, little overhead) and the last ones small (a
  // rank that drew robust samples, which cost many times broken ones, holds the others up
  // by one small chunk at most). Sizes are multiples of the model's rows per call, which
  // pads a shorter slice with copies: a 23-sample chunk would cost 32 rows at 16 per call.
  const int64_t unit = std::max<int64_t>(1, std::min(pass_rows, batch_size));
  std::vector<int64_t> starts{0};
  for (int64_t left = n; left > 0;) {
    int64_t size = (left + 2 * ranks - 1) / (2 * ranks);
    size = (size + unit - 1) / unit * unit;
    size = std::min({std::max(size, unit), std::max(batch_size / unit * unit, unit), left});
    starts.push_back(starts.back() + size);
    left -= size;
  }
  return starts;
}

AttackRun run_attack_shared(Attack& attack, Classifier& model, const data::Dataset& dataset,
                            const torch::Tensor& rows, const AttackRunOptions& options, dist::Group& group,
                            const std::string& tag) {
  ADVLAB_CHECK(options.batch_size >= 1, "batch size must be >= 1, got ", options.batch_size);
  const auto start = std::chrono::steady_clock::now();
  const auto all_rows = rows.to(torch::kCPU, torch::kLong);
  const int64_t n = all_rows.size(0);
  const auto starts = chunk_starts(n, options.batch_size, model.pass_rows(), group.size());
  const int64_t chunks = static_cast<int64_t>(starts.size()) - 1;

  AttackRunOptions chunk_options = options;
  chunk_options.progress = nullptr;
  chunk_options.resumed.reset();
  chunk_options.resumed_batches = 0;
  chunk_options.after_batch = nullptr;
  ProgressLine progress(options.progress, attack.name() + " (" + std::to_string(group.size()) + " ranks)", n);
  io::NamedTensors mine;
  for (int64_t c = group.next_ticket(tag); c < chunks; c = group.next_ticket(tag)) {
    auto chunk = all_rows.slice(0, starts[c], starts[c + 1]);
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
