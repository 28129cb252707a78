#include "advlab/eval/attack_bench.h"

#include "advlab/attacks/registry.h"
#include "advlab/core/error.h"
#include "advlab/eval/attack_run.h"
#include "advlab/threat/threat_model.h"

#include <torch/torch.h>

#include <chrono>
#include <cmath>
#include <limits>
#include <map>

namespace advlab::eval {

namespace {

constexpr float kBenchInf = std::numeric_limits<float>::infinity();

struct BenchSubsetRun {
  torch::Tensor success;       // bool [n]
  torch::Tensor distance;      // float [n]: distance of the returned adversarial (inf where none)
  torch::Tensor propagations;  // int64 [n]
  int64_t box_failures = 0;
};

// One attack on `rows` of the dataset at one budget; distances in the bench's norm.
BenchSubsetRun bench_run_on(Attack& attack, Classifier& model, const data::Dataset& dataset, const torch::Tensor& rows,
                 const Budget& budget, const AttackBenchOptions& o, uint64_t seed, bool minimum_norm) {
  AttackRunOptions run_options;
  run_options.batch_size = o.batch_size;
  run_options.budget = budget;
  run_options.seed = seed;
  auto subset = dataset.select(rows);
  auto run = run_attack(attack, model, subset, run_options);
  const auto& r = run.result;
  BenchSubsetRun out;
  out.success = r.success.to(torch::kBool);
  auto d = budget.threat->distance(subset.images, r.adversarials).to(torch::kFloat32);
  if (minimum_norm && r.minimum_distance.defined()) d = r.minimum_distance.to(torch::kFloat32);
  out.distance = torch::where(out.success, d, torch::full_like(d, kBenchInf));
  out.propagations = r.queries + r.gradients;
  out.box_failures = (~model.bounds().contains_per_sample(r.adversarials)).sum().item<int64_t>();
  return out;
}

// Fixed-budget attack as a minimum-norm one: a bisection over eps per sample, samples
// that share a bracket attacked together in one run.
AttackBenchEntry bench_bisect(Attack& attack, Classifier& model, const data::Dataset& dataset, const torch::Tensor& todo,
                        const AttackBenchOptions& o, uint64_t seed) {
  const int64_t n = dataset.size();
  AttackBenchEntry e;
  e.distances = torch::full({n}, kBenchInf);
  e.propagations = torch::zeros({n}, torch::kLong);
  auto record = [&](const torch::Tensor& rows, const BenchSubsetRun& r) {
    e.distances.index_put_({rows}, torch::minimum(e.distances.index_select(0, rows), r.distance));
    e.propagations.index_add_(0, rows, r.propagations);
    e.box_failures += r.box_failures;
  };
  // At the top of the bracket first: samples it cannot break there are out of reach.
  auto top = bench_run_on(attack, model, dataset, todo, Budget::of(o.norm, o.eps_max), o, seed, false);
  record(todo, top);
  auto active = todo.index_select(0, top.success.nonzero().squeeze(1));
  // L0 budgets are whole numbers of changed values: bisect over integers, and a sample is
  // done once its bracket holds no whole number between its ends.
  const bool whole = o.norm == "l0";
  std::vector<double> lo(static_cast<size_t>(n), 0.0),
      hi(static_cast<size_t>(n), whole ? std::ceil(o.eps_max) : o.eps_max);
  for (int step = 0; step < o.bisection_steps && active.numel() > 0; ++step) {
    std::map<double, std::vector<int64_t>> groups;  // mid -> rows
    auto a = active.accessor<int64_t, 1>();
    for (int64_t i = 0; i < a.size(0); ++i) {
      auto row = static_cast<size_t>(a[i]);
      double mid = whole ? std::floor((lo[row] + hi[row]) / 2) : (lo[row] + hi[row]) / 2;
      if (mid > lo[row]) groups[mid].push_back(a[i]);
    }
    for (const auto& [mid, members] : groups) {
      auto rows = torch::tensor(members, torch::kLong);
      auto budget = Budget::of(o.norm, mid);
      BenchSubsetRun r;
      try {
        r = bench_run_on(attack, model, dataset, rows, budget, o, seed + 7919ULL * (step + 1), false);
      } catch (const Error&) {
        // A budget the attack refuses (one-pixel below one whole pixel of C channels)
        // breaks nothing there: the bracket moves up.
        for (auto m : members) lo[static_cast<size_t>(m)] = mid;
        continue;
      }
      record(rows, r);
      auto s = r.success.accessor<bool, 1>();
      for (size_t i = 0; i < members.size(); ++i)
        (s[static_cast<int64_t>(i)] ? hi : lo)[static_cast<size_t>(members[i])] = mid;
    }
    std::vector<int64_t> open;
    for (int64_t i = 0; i < a.size(0); ++i) {
      auto row = static_cast<size_t>(a[i]);
      double mid = whole ? std::floor((lo[row] + hi[row]) / 2) : (lo[row] + hi[row]) / 2;
      if (mid > lo[row]) open.push_back(a[i]);
    }
    active = torch::tensor(open, torch::kLong);
  }
  return e;
}

}  // namespace

double AttackBench::robust_accuracy(const torch::Tensor& distances, double eps) {
  if (distances.numel() == 0) return 0;
  return (distances > eps).to(torch::kDouble).mean().item<double>();
}

double AttackBench::clean_accuracy() const { return robust_accuracy(best, 0); }

double mean_propagations(const AttackBenchEntry& entry, const torch::Tensor& best) {
  auto attacked = entry.propagations.masked_select(best > 0);
  return attacked.numel() > 0 ? attacked.to(torch::kDouble).mean().item<double>() : 0.0;
}

double attack_optimality(const torch::Tensor& distances, const torch::Tensor& best) {
  ADVLAB_CHECK(distances.sizes() == best.sizes() && best.dim() == 1, "optimality: distances ", distances.sizes(),
               " and reference ", best.sizes(), " differ");
  auto finite = best.isfinite();
  ADVLAB_CHECK(finite.all().item<bool>(), "optimality: the reference holds samples no attack broke");
  if (best.numel() == 0) return 1;
  const double d_max = best.max().item<double>();
  const double clean = (best > 0).to(torch::kDouble).mean().item<double>();
  const double best_area = best.to(torch::kDouble).mean().item<double>();
  const double area = distances.to(torch::kDouble).clamp_max(d_max).mean().item<double>();
  const double worst_area = clean * d_max;
  if (worst_area - best_area <= 0) return 1;  // nothing to find beyond the clean errors
  return 1 - (area - best_area) / (worst_area - best_area);
}

AttackBench run_attack_bench(Classifier& model, const data::Dataset& dataset, const AttackBenchOptions& o) {
  ADVLAB_CHECK(!o.attacks.empty(), "attack bench: no attacks given");
  ADVLAB_CHECK(o.bisection_steps >= 1 && o.bisection_steps <= 30, "attack bench: bisection steps must be in [1, 30], got ",
               o.bisection_steps);
  ADVLAB_CHECK(o.propagations >= 0, "attack bench: propagations must be >= 0, got ", o.propagations);
  ADVLAB_CHECK(std::isfinite(o.eps_max) && o.eps_max >= 0, "attack bench: eps-max must be finite and >= 0, got ",
               o.eps_max);
  ADVLAB_CHECK(dataset.size() > 0, "attack bench: the dataset is empty");
  make_threat_model(o.norm);  // an unknown norm is an error before any work
  // Every attack is built before the first one runs: bad names and options fail at once.
  std::vector<std::unique_ptr<Attack>> attacks;
  // Minimum-norm attacks run first: without eps_max, the largest distance they found
  // tops the fixed-budget attacks' bisection.
  std::vector<std::string> order;
  for (bool minimum_norm : {true, false})
    for (const auto& name : o.attacks)
      if (find_attack(name).minimum_norm == minimum_norm) order.push_back(name);
  bool any_minimum_norm = find_attack(order.front()).minimum_norm;
  for (const auto& name : order) {
    const auto& spec = find_attack(name);
    ADVLAB_CHECK(spec.minimum_norm || o.eps_max > 0 || any_minimum_norm, "attack bench: ", name,
                 " has a fixed budget: give eps-max (the top of its bisection over eps) or a minimum-norm attack");
    ParamValues values{{"norm", o.norm}};
    if (!spec.minimum_norm) values["eps"] = c10::str(o.eps_max > 0 ? o.eps_max : 1.0);  // each run() sets its own
    auto it = o.attack_options.find(name);
    if (it != o.attack_options.end())
      for (const auto& [k, v] : it->second) values[k] = v;
    attacks.push_back(make_attack(name, values));
  }

  const int64_t n = dataset.size();
  auto labels = dataset.labels.to(torch::kCPU, torch::kLong);
  auto correct = model.predict(dataset.images, o.batch_size).to(torch::kCPU) == labels;
  auto todo = correct.nonzero().squeeze(1);

  AttackBench bench;
  bench.norm = o.norm;
  AttackBenchOptions run = o;
  for (size_t k = 0; k < attacks.size(); ++k) {
    const auto& spec = find_attack(order[k]);
    if (!spec.minimum_norm && run.eps_max <= 0) {
      torch::Tensor found = torch::full({n}, kBenchInf);
      for (const auto& e : bench.entries) found = torch::minimum(found, e.distances);
      auto finite = found.masked_select(found.isfinite());
      ADVLAB_CHECK(finite.numel() > 0 && finite.max().item<double>() > 0, "attack bench: the minimum-norm attacks ",
                   "found no adversarial to size the bisection of ", spec.name, ": give eps-max");
      run.eps_max = finite.max().item<double>();
      if (o.progress) *o.progress << "eps-max " << run.eps_max << " (the largest distance found so far)\n";
    }
    const uint64_t seed = o.seed + 1000003ULL * k;
    if (o.progress)
      *o.progress << "[" << k + 1 << "/" << attacks.size() << "] " << spec.name << " on " << todo.size(0)
                  << " samples" << (spec.minimum_norm ? "" : " (bisection over eps)") << "\n";
    auto start = std::chrono::steady_clock::now();
    AttackBenchEntry e;
    if (spec.minimum_norm) {
      e.distances = torch::full({n}, kBenchInf);
      e.propagations = torch::zeros({n}, torch::kLong);
      if (todo.numel() > 0) {
        auto r = bench_run_on(*attacks[k], model, dataset, todo, Budget::of(o.norm, std::nullopt), run, seed, true);
        e.distances.index_put_({todo}, r.distance);
        e.propagations.index_put_({todo}, r.propagations);
        e.box_failures = r.box_failures;
      }
    } else {
      e = bench_bisect(*attacks[k], model, dataset, todo, run, seed);
    }
    e.attack = spec.name;
    e.minimum_norm = spec.minimum_norm;
    e.distances.masked_fill_(~correct, 0);
    if (o.propagations > 0) e.budget_violations = (e.propagations > o.propagations).sum().item<int64_t>();
    e.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    bench.entries.push_back(std::move(e));
  }

  bench.best = bench.entries.front().distances.clone();
  for (const auto& e : bench.entries) bench.best = torch::minimum(bench.best, e.distances);
  // Samples no attack broke stay at +inf in the reference; optimality is computed over
  // the samples some attack broke, where the reference is defined.
  auto broken = bench.best.isfinite().nonzero().squeeze(1);
  auto best = bench.best.index_select(0, broken);
  for (auto& e : bench.entries) e.optimality = attack_optimality(e.distances.index_select(0, broken), best);
  return bench;
}

}  // namespace advlab::eval
