#include "advlab/eval/attack_run.h"

#include "advlab/core/error.h"
#include "advlab/core/progress.h"
#include "advlab/criteria/criterion.h"
#include "advlab/eval/query_curve.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

#include <chrono>
#include <limits>
#include <set>

namespace advlab::eval {

namespace {

torch::Tensor clean_logits(Classifier& model, const torch::Tensor& images, int64_t batch_size) {
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> parts;
  for (int64_t i = 0; i < images.size(0); i += batch_size)
    parts.push_back(model.logits(images.slice(0, i, i + batch_size).to(model.device())).to(torch::kCPU));
  return torch::cat(parts);
}

nlohmann::json mean_median(const torch::Tensor& values) {
  if (values.numel() == 0) return {{"mean", nullptr}, {"median", nullptr}};
  auto v = values.to(torch::kDouble);
  // The lower median, as torch.median gives.
  return {{"mean", v.mean().item<double>()}, {"median", v.median().item<double>()}};
}

}  // namespace

AttackResult concatenate(const std::vector<AttackResult>& parts) {
  auto cat = [&](auto field) {
    std::vector<torch::Tensor> v;
    for (const auto& p : parts) v.push_back(field(p));
    return torch::cat(v);
  };
  AttackResult r;
  r.adversarials = cat([](const AttackResult& p) { return p.adversarials; });
  r.success = cat([](const AttackResult& p) { return p.success; });
  r.predictions = cat([](const AttackResult& p) { return p.predictions; });
  r.distances.l0 = cat([](const AttackResult& p) { return p.distances.l0; });
  r.distances.l1 = cat([](const AttackResult& p) { return p.distances.l1; });
  r.distances.l2 = cat([](const AttackResult& p) { return p.distances.l2; });
  r.distances.linf = cat([](const AttackResult& p) { return p.distances.linf; });
  r.queries = cat([](const AttackResult& p) { return p.queries; });
  r.gradients = cat([](const AttackResult& p) { return p.gradients; });
  r.silent_failure = cat([](const AttackResult& p) { return p.silent_failure; });
  if (!parts.empty() && parts.front().minimum_distance.defined())
    r.minimum_distance = cat([](const AttackResult& p) { return p.minimum_distance; });
  for (const auto& p : parts) r.iterations = std::max(r.iterations, p.iterations);
  // A batch where the attack measured nothing (all adversarial already) lacks the key.
  std::set<std::string> extra_names;
  for (const auto& p : parts)
    for (const auto& [name, values] : p.extras) extra_names.insert(name);
  for (const auto& name : extra_names)
    r.extras[name] = cat([&](const AttackResult& p) {
      auto it = p.extras.find(name);
      return it != p.extras.end() ? it->second
                                  : torch::full({p.success.size(0)}, std::numeric_limits<float>::quiet_NaN());
    });
  return r;
}

AttackResult select_rows(const AttackResult& result, const torch::Tensor& rows) {
  auto pick = [&](const torch::Tensor& t) { return t.defined() ? t.index_select(0, rows) : t; };
  AttackResult r;
  r.adversarials = pick(result.adversarials);
  r.success = pick(result.success);
  r.predictions = pick(result.predictions);
  r.distances = {pick(result.distances.l0), pick(result.distances.l1), pick(result.distances.l2),
                 pick(result.distances.linf)};
  r.queries = pick(result.queries);
  r.gradients = pick(result.gradients);
  r.iterations = result.iterations;
  r.minimum_distance = pick(result.minimum_distance);
  r.silent_failure = pick(result.silent_failure);
  for (const auto& [name, values] : result.extras) r.extras[name] = pick(values);
  return r;
}

AttackRun run_attack(Attack& attack, Classifier& model, const data::Dataset& dataset,
                     const AttackRunOptions& options) {
  ADVLAB_CHECK(options.batch_size >= 1, "batch size must be >= 1, got ", options.batch_size);
  ADVLAB_CHECK(dataset.size() > 0, "no samples to attack in ", dataset.source);
  AttackRun run;
  run.attack = attack.name();
  run.params = attack.params(options.budget.value_or(attack.default_budget()));
  run.seed = options.seed;
  run.labels = dataset.labels.to(torch::kLong);
  auto logits = clean_logits(model, dataset.images, options.batch_size);
  ADVLAB_CHECK(logits.size(1) > run.labels.max().item<int64_t>(), "the model has ", logits.size(1),
               " classes but the data has labels up to ", run.labels.max().item<int64_t>());
  run.clean_predictions = logits.argmax(1);
  if (options.given_targets.defined()) {
    ADVLAB_CHECK(options.given_targets.dim() == 1 && options.given_targets.size(0) == dataset.size(),
                 "targets must hold one class per sample (", dataset.size(), "), got ", options.given_targets.sizes());
    ADVLAB_CHECK(dataset.size() == 0 || (options.given_targets.min().item<int64_t>() >= 0 &&
                                         options.given_targets.max().item<int64_t>() < logits.size(1)),
                 "targets must be classes of the model (0 to ", logits.size(1) - 1, ")");
    run.targets = options.given_targets.to(torch::kCPU, torch::kLong);
  } else if (options.targets) {
    auto gen = at::detail::createCPUGenerator(options.seed ^ 0x7461726765747321ULL);
    run.targets = choose_targets(*options.targets, run.labels, logits, logits.size(1), gen);
  }

  auto ids = options.sample_ids.defined() ? options.sample_ids.to(torch::kCPU, torch::kLong)
                                           : torch::arange(dataset.size(), torch::kLong);
  ADVLAB_CHECK(ids.dim() == 1 && ids.size(0) == dataset.size(), "sample ids must hold one index per sample (",
               dataset.size(), "), got ", ids.sizes());
  ProgressLine progress(options.progress, run.attack, dataset.size());
  std::vector<AttackResult> parts;
  int64_t first = 0;
  if (options.resumed) {
    // A checkpoint after the last batch, which may be short, covers every sample.
    first = std::min(options.resumed_batches * options.batch_size, dataset.size());
    ADVLAB_CHECK(options.resumed_batches >= 0 &&
                     options.resumed_batches <= (dataset.size() + options.batch_size - 1) / options.batch_size &&
                     options.resumed->success.size(0) == first,
                 "resumed attack results do not match the batches they claim to cover");
    if (first > 0) parts.push_back(*options.resumed);
  }
  auto start = std::chrono::steady_clock::now();
  auto elapsed = [&] {
    return options.resumed_seconds + std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  for (int64_t i = first, batch = options.resumed_batches; i < dataset.size(); i += options.batch_size, ++batch) {
    int64_t end = std::min(i + options.batch_size, dataset.size());
    auto x = dataset.images.slice(0, i, end);
    std::shared_ptr<Criterion> criterion;
    if (run.targeted())
      criterion = std::make_shared<TargetedMisclassification>(run.targets.slice(0, i, end));
    else
      criterion = std::make_shared<Misclassification>(run.labels.slice(0, i, end));
    const SampleSeeds seeds{options.seed, ids.slice(0, i, end)};
    parts.push_back(attack.run(model, x, *criterion, options.budget.value_or(attack.default_budget()), seeds));
    int64_t successes = 0;
    for (const auto& p : parts) successes += p.success.sum().item<int64_t>();
    progress.update(end, c10::str("success ", successes, "/", end));
    if (options.after_batch) options.after_batch(batch + 1, parts, elapsed());
  }
  run.seconds = elapsed();
  run.result = concatenate(parts);
  progress.finish(c10::str("success ", run.result.success.sum().item<int64_t>(), "/", dataset.size()));
  return run;
}

nlohmann::json summarize(const AttackRun& run) {
  const auto& r = run.result;
  auto n = run.size();
  auto correct = run.clean_predictions == run.labels;
  auto robust = r.predictions == run.labels;
  auto counted = r.success & correct;  // successes on samples the model got right
  auto idx = counted.nonzero().squeeze(1);
  int64_t n_correct = correct.sum().item<int64_t>();
  nlohmann::json m;
  m["attack"] = run.attack;
  m["params"] = run.params;
  m["n"] = n;
  m["targeted"] = run.targeted();
  m["clean_accuracy"] = correct.to(torch::kDouble).mean().item<double>();
  m["robust_accuracy"] = robust.to(torch::kDouble).mean().item<double>();
  m["success_rate"] = n_correct > 0 ? counted.sum().item<double>() / n_correct : 0.0;
  m["n_correct"] = n_correct;
  m["n_success"] = counted.sum().item<int64_t>();
  m["distance"] = {{"linf", mean_median(r.distances.linf.index_select(0, idx))},
                   {"l2", mean_median(r.distances.l2.index_select(0, idx))},
                   {"l1", mean_median(r.distances.l1.index_select(0, idx))},
                   {"l0", mean_median(r.distances.l0.index_select(0, idx))}};
  m["queries"] = mean_median(r.queries.index_select(0, idx));
  m["gradients"] = mean_median(r.gradients.index_select(0, idx));
  // Attack-specific measurements, over the same successes (where measured).
  for (const auto& [name, values] : r.extras) {
    auto v = values.index_select(0, idx);
    m["extras"][name] = mean_median(v.index_select(0, torch::isfinite(v).nonzero().squeeze(1)));
  }
  // Over the same samples as success_rate; the grid runs to the query budget if the
  // attack has one, else to the most queries spent.
  int64_t budget = run.params.contains("queries") && run.params["queries"].is_number_integer()
                       ? run.params["queries"].get<int64_t>()
                       : 0;
  m["query_curve"] = to_json(query_curve(r.queries, counted, correct, budget));
  m["iterations"] = r.iterations;
  m["seconds"] = run.seconds;
  m["images_per_second"] = run.seconds > 0 ? n / run.seconds : 0.0;
  m["seed"] = run.seed;
  if (!run.over_views.is_null()) m["over_views"] = run.over_views;
  return m;
}

}  // namespace advlab::eval
