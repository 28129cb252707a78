#include "advlab/eval/robustness_evaluation.h"

#include "advlab/attacks/eps_sweep.h"
#include "advlab/attacks/registry.h"
#include "advlab/core/error.h"
#include "advlab/criteria/criterion.h"
#include "advlab/eval/attack_run.h"
#include "advlab/eval/cost_estimate.h"
#include "advlab/eval/evaluation_state.h"
#include "advlab/eval/shared_attack_run.h"
#include "advlab/core/progress.h"
#include "advlab/eval/soundness_checks.h"
#include "advlab/threat/threat_model.h"

#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <limits>
#include <ostream>

namespace advlab::eval {

double EpsEvaluation::robust_accuracy_after(size_t k) const {
  auto robust_then = correct.clone();
  for (size_t i = 0; i <= k && i < stages.size(); ++i) robust_then &= ~stages[i].broken;
  return robust_then.to(torch::kDouble).mean().item<double>();
}

double EpsEvaluation::robust_accuracy_of(size_t k) const {
  return (correct & ~stages.at(k).broken).to(torch::kDouble).mean().item<double>();
}

namespace {

void check_options(const EvaluationOptions& o) {
  ADVLAB_CHECK(!o.attacks.empty(), "evaluation needs at least one attack");
  ADVLAB_CHECK(!o.eps.empty(), "evaluation needs at least one eps");
  for (double e : o.eps) ADVLAB_CHECK(e >= 0 && std::isfinite(e), "eps must be finite and >= 0, got ", e);
  ADVLAB_CHECK(o.queries >= 1, "query budget must be >= 1, got ", o.queries);
  ADVLAB_CHECK(o.batch_size >= 1, "batch size must be >= 1, got ", o.batch_size);
}

std::map<std::string, std::string> attack_settings(const EvaluationOptions& o, const AttackSpec& spec, double eps) {
  std::map<std::string, std::string> settings{{"norm", o.norm}, {"eps", c10::str(eps)}};
  if (spec.family == "black-box") settings["queries"] = std::to_string(o.queries);
  auto extra = o.attack_options.find(spec.name);
  if (extra != o.attack_options.end())
    for (const auto& [k, v] : extra->second) settings[k] = v;
  return settings;
}

// Every attack is built once up front, so a bad name or option fails before any work.
void validate_attacks(const EvaluationOptions& o) {
  for (const auto& name : o.attacks) make_attack(name, attack_settings(o, find_attack(name), o.eps.front()));
}

// A minimum-norm attack whose search ignores eps (Attack::eps_steers_search), in an
// evaluation over several eps, runs once, unbounded, on the
// samples it is first asked to attack (eps_sweep.h); each eps bounds that run's result.
// Samples a later eps asks for that the run did not cover (robust there, broken by an
// earlier attack at the first eps) are run then and added.
struct SweepRun {
  torch::Tensor position;  // int64 [n]: each sample's row in `result`, -1 if not run
  AttackResult result;     // unbounded, rows in the order they were run

  torch::Tensor missing(const torch::Tensor& rows) const {
    if (!position.defined()) return rows;
    return rows.index_select(0, (position.index_select(0, rows) < 0).nonzero().squeeze(1));
  }
  void add(const torch::Tensor& rows, const AttackResult& part, int64_t n) {
    if (!position.defined()) position = torch::full({n}, -1, torch::kLong);
    const int64_t first = result.success.defined() ? result.success.size(0) : 0;
    position.index_put_({rows}, torch::arange(first, first + rows.size(0), torch::kLong));
    result = first == 0 ? part : concatenate({result, part});
  }
  AttackResult of(const torch::Tensor& rows) const { return select_rows(result, position.index_select(0, rows)); }
};

// The bounded result at `budget` for `rows`, from the sweep's run, in batches.
AttackResult bounded_from_sweep(Classifier& model, const data::Dataset& dataset, const torch::Tensor& rows,
                                const SweepRun& sweep, const Budget& budget, int64_t batch_size) {
  std::vector<AttackResult> parts;
  for (int64_t i = 0; i < rows.size(0); i += batch_size) {
    auto part = rows.slice(0, i, std::min(i + batch_size, rows.size(0)));
    Misclassification criterion(dataset.labels.index_select(0, part).to(torch::kLong));
    parts.push_back(bound_minimum_norm_result(model, dataset.images.index_select(0, part), criterion,
                                              sweep.of(part), budget));
  }
  return concatenate(parts);
}

}  // namespace

nlohmann::json evaluation_identity(const EvaluationOptions& o, int64_t samples) {
  auto id = o.identity.is_object() ? o.identity : nlohmann::json::object();
  auto eps = o.eps;
  std::sort(eps.begin(), eps.end());
  id["attacks"] = o.attacks;
  id["norm"] = o.norm;
  id["eps"] = eps;
  id["queries"] = o.queries;
  id["attack_options"] = o.attack_options;
  id["individual"] = o.individual;
  id["checks"] = o.checks;
  id["batch_size"] = o.batch_size;
  id["seed"] = o.seed;
  id["samples"] = samples;
  return id;
}

RobustnessEvaluation evaluate_robustness(Classifier& model, const data::Dataset& dataset,
                                         const EvaluationOptions& options) {
  check_options(options);
  validate_attacks(options);
  ADVLAB_CHECK(dataset.size() > 0, "evaluation dataset is empty");
  auto start = std::chrono::steady_clock::now();
  auto threat = make_threat_model(options.norm);

  RobustnessEvaluation ev;
  ev.options = options;
  ev.options.group = nullptr;
  if (options.group) {
    ev.world_size = options.group->size();
    ev.backend = options.group->backend();
  }
  const bool root = !options.group || options.group->is_root();
  std::sort(ev.options.eps.begin(), ev.options.eps.end());
  ev.labels = dataset.labels.to(torch::kCPU, torch::kLong);
  ev.clean_predictions = model.predict(dataset.images, options.batch_size).to(torch::kCPU);
  const auto correct = ev.correct();
  const int64_t n = dataset.size();
  ev.smallest_distance = torch::where(correct, torch::full({n}, std::numeric_limits<float>::infinity()),
                                      torch::zeros({n}));

  // Checkpoints: what is finished so far, and where an interrupted run left off.
  EvaluationState resumed;
  const auto identity = evaluation_identity(options, n);
  bool resuming = options.resume && !options.state_path.empty() && std::filesystem::exists(options.state_path);
  if (resuming) {
    resumed = load_evaluation_state(options.state_path, identity);
    ev.smallest_distance = resumed.smallest_distance;
    ev.per_eps.assign(resumed.per_eps.begin(), resumed.per_eps.begin() + static_cast<std::ptrdiff_t>(resumed.finished_eps));
    if (options.progress)
      *options.progress << "resuming " << options.state_path << ": " << resumed.finished_eps << " of "
                        << ev.options.eps.size() << " eps finished"
                        << (resumed.partial ? ", one attack part-way" : "") << "\n";
  }
  auto last_save = std::chrono::steady_clock::now();
  auto save_state = [&](const EpsEvaluation* current, std::optional<PartialStage> partial) {
    if (options.state_path.empty() || !root) return;
    EvaluationState state;
    state.identity = identity;
    state.per_eps = ev.per_eps;
    state.finished_eps = ev.per_eps.size();
    if (current) state.per_eps.push_back(*current);
    state.smallest_distance = ev.smallest_distance;
    state.partial = std::move(partial);
    save_evaluation_state(options.state_path, state);
    last_save = std::chrono::steady_clock::now();
  };

  if (options.checks && root) {
    auto model_warnings = check_model(model, dataset.head(64), options.norm);
    ev.warnings.insert(ev.warnings.end(), model_warnings.begin(), model_warnings.end());
  }

  // The time it may take, before the long work: per attack, its nominal budget times the
  // calibrated pass cost. Rescaled by how the finished attacks compared with their
  // estimates, it gives the whole evaluation's ETA.
  std::vector<AttackBudget> budgets;
  PassCost pass_cost;
  double spent_estimate = 0, spent_actual = 0;
  const int64_t n_correct = correct.sum().item<int64_t>();
  // Each attack is built once; every eps is a budget of its runs.
  std::vector<std::unique_ptr<Attack>> attacks;
  for (const auto& name : options.attacks)
    attacks.push_back(make_attack(name, attack_settings(options, find_attack(name), ev.options.eps.front())));
  // Minimum-norm attacks whose search ignores eps run once for all eps (SweepRun).
  std::vector<bool> swept;
  for (const auto& a : attacks)
    swept.push_back(a->minimum_norm() && !a->eps_steers_search() && ev.options.eps.size() > 1);
  std::vector<SweepRun> sweeps(attacks.size());
  auto runs_of = [&](size_t k) { return swept[k] ? 1.0 : static_cast<double>(ev.options.eps.size()); };
  if (options.progress) {
    for (size_t k = 0; k < attacks.size(); ++k)
      budgets.push_back(nominal_budget(find_attack(options.attacks[k]).family, attacks[k]->params(), model.num_classes()));
    pass_cost = calibrate_pass_cost(model, dataset, options.batch_size);
    double total = 0;
    for (size_t k = 0; k < budgets.size(); ++k) total += runs_of(k) * estimated_seconds(budgets[k], pass_cost, n_correct);
    *options.progress << "estimate: at most ~" << format_duration(total) << " for " << options.attacks.size()
                      << " attacks x " << ev.options.eps.size() << " eps on " << n_correct
                      << " correct samples (forward " << pass_cost.forward * 1e3 << " ms/img, forward+backward "
                      << pass_cost.forward_backward * 1e3
                      << " ms/img); less as samples break, since attacks skip them\n";
  }
  // Seconds left: the current eps's remaining attacks on the samples still robust, later
  // eps on every correct sample, scaled by actual/estimated so far.
  auto eta = [&](size_t e, size_t k, int64_t robust_now) {
    double left = 0;
    for (size_t j = k; j < budgets.size(); ++j)
      if (!swept[j] || !sweeps[j].position.defined()) left += estimated_seconds(budgets[j], pass_cost, robust_now);
    for (size_t j = 0; j < budgets.size(); ++j)
      if (!swept[j])
        left += static_cast<double>(ev.options.eps.size() - e - 1) * estimated_seconds(budgets[j], pass_cost, n_correct);
    return spent_estimate > 0 ? left * spent_actual / spent_estimate : left;
  };

  for (size_t e = ev.per_eps.size(); e < ev.options.eps.size(); ++e) {
    EpsEvaluation at;
    bool continuing = resuming && e == resumed.finished_eps && resumed.per_eps.size() > e;
    if (continuing) {
      at = resumed.per_eps[e];
    } else {
      at.eps = ev.options.eps[e];
      at.correct = correct;
      at.robust = correct.clone();
      at.broken_by = torch::full({n}, -1, torch::kLong);
      at.adversarials = dataset.images.clone();
    }
    for (size_t k = at.stages.size(); k < options.attacks.size(); ++k) {
      const auto& spec = find_attack(options.attacks[k]);
      auto& attack = attacks[k];
      const auto budget = attack->default_budget().with_eps(at.eps);
      AttackStage stage;
      stage.attack = spec.name;
      stage.family = spec.family;
      stage.params = attack->params(budget);
      if (swept[k]) stage.params["eps_sweep"] = "one unbounded run for every eps";
      stage.attacked = options.individual ? correct.clone() : at.robust.clone();
      stage.broken = torch::zeros({n}, torch::kBool);
      stage.silent_failures = torch::zeros({n}, torch::kBool);
      auto rows = stage.attacked.nonzero().squeeze(1);
      if (options.progress)
        *options.progress << "eps " << at.eps << " [" << k + 1 << "/" << options.attacks.size() << "] "
                          << spec.name << " on " << rows.size(0) << " samples | evaluation ETA ~"
                          << format_duration(eta(e, k, rows.size(0))) << "\n";
      if (rows.size(0) > 0) {
        AttackRunOptions run_options;
        run_options.batch_size = options.batch_size;
        run_options.budget = budget;
        run_options.seed = options.seed + 1000003ULL * k;  // attacks draw independent numbers
        run_options.progress = options.progress;
        run_options.sample_ids = rows;  // seeds per sample: the same result however the rows are cut
        if (continuing && k == at.stages.size() && resumed.partial && !options.group) {
          run_options.resumed = resumed.partial->result;
          run_options.resumed_batches = resumed.partial->batches;
          run_options.resumed_seconds = resumed.partial->seconds;
          resumed.partial.reset();
        }
        run_options.after_batch = [&](int64_t batches, const std::vector<AttackResult>& parts, double seconds) {
          auto since = std::chrono::duration<double>(std::chrono::steady_clock::now() - last_save).count();
          if (options.state_path.empty() || since < options.state_every_seconds) return;
          save_state(&at, PartialStage{batches, seconds, concatenate(parts)});
        };
        if (options.group) run_options.after_batch = nullptr;  // checkpoints between attacks only
        auto attack_rows = [&](const torch::Tensor& which, const AttackRunOptions& o) {
          return options.group ? run_attack_shared(*attack, model, dataset, which, o, *options.group,
                                                   c10::str("eps", e, ".attack", k))
                               : run_attack(*attack, model, dataset.select(which), o);
        };
        AttackResult r;
        int64_t searched = rows.size(0);  // samples an attack run searched at this stage
        if (swept[k]) {
          auto& sweep = sweeps[k];
          auto missing = sweep.missing(rows);
          searched = missing.size(0);
          if (missing.size(0) > 0) {
            auto o = run_options;
            o.budget = budget.with_eps(std::nullopt);
            o.sample_ids = missing;
            // Only the first run of the sweep (all of this stage's rows) checkpoints and
            // resumes part-way; a run that tops it up is short and starts over.
            if (sweep.position.defined()) {
              o.after_batch = nullptr;
              o.resumed.reset();
            }
            auto run = attack_rows(missing, o);
            stage.seconds += run.seconds;
            sweep.add(missing, run.result, n);
          } else if (options.progress) {
            *options.progress << "  " << spec.name << ": bounded from its unbounded run, no new search\n";
          }
          auto t0 = std::chrono::steady_clock::now();
          r = bounded_from_sweep(model, dataset, rows, sweep, budget, options.batch_size);
          stage.seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        } else {
          auto run = attack_rows(rows, run_options);
          r = std::move(run.result);
          stage.seconds = run.seconds;
        }
        if (!budgets.empty()) {
          spent_estimate += estimated_seconds(budgets[k], pass_cost, searched);
          spent_actual += stage.seconds;
        }
        stage.queries = r.queries.sum().item<int64_t>();
        stage.gradients = r.gradients.sum().item<int64_t>();
        stage.broken.index_put_({rows}, r.success);
        stage.silent_failures.index_put_({rows}, r.silent_failure);

        auto hit = r.success.nonzero().squeeze(1);
        auto hit_rows = rows.index_select(0, hit);
        auto d = threat->distance(dataset.images.index_select(0, hit_rows),
                                  r.adversarials.index_select(0, hit)).to(torch::kFloat32);
        ev.smallest_distance.index_put_({hit_rows}, torch::minimum(ev.smallest_distance.index_select(0, hit_rows), d));
        if (r.minimum_distance.defined())  // the whole curve from a minimum-norm attack
          ev.smallest_distance.index_put_({rows}, torch::minimum(ev.smallest_distance.index_select(0, rows),
                                                                 r.minimum_distance.to(torch::kFloat32)));
        // Keep the first adversarial found for each sample.
        auto fresh = stage.broken & (at.broken_by < 0);
        auto fresh_local = fresh.index_select(0, rows).nonzero().squeeze(1);
        auto fresh_rows = rows.index_select(0, fresh_local);
        at.adversarials.index_copy_(0, fresh_rows, r.adversarials.index_select(0, fresh_local));
        at.broken_by.index_fill_(0, fresh_rows, static_cast<int64_t>(k));
        at.robust &= ~stage.broken;
      }
      at.stages.push_back(std::move(stage));
      if (k + 1 < options.attacks.size()) save_state(&at, std::nullopt);
    }
    ev.per_eps.push_back(std::move(at));
    save_state(nullptr, std::nullopt);
  }

  if (options.checks && root) {
    auto result_warnings = check_results(ev);
    ev.warnings.insert(ev.warnings.end(), result_warnings.begin(), result_warnings.end());
    if (options.progress)
      *options.progress << "soundness checks: an unbounded attack and longer, restarted PGD on up to 64 samples "
                           "(--no-checks skips them)\n";
    const auto checks_start = std::chrono::steady_clock::now();
    auto extra = check_with_extra_attacks(model, dataset, ev);
    if (options.progress)
      *options.progress << "soundness checks took "
                        << format_duration(std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                                                         checks_start).count())
                        << "\n";
    ev.warnings.insert(ev.warnings.end(), extra.begin(), extra.end());
  }
  if (options.progress)
    for (const auto& w : ev.warnings) *options.progress << "warning [" << w.check << "]: " << w.message << "\n";
  ev.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return ev;
}

}  // namespace advlab::eval
