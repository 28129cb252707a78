#pragma once
// The attack base class owns the output contract: run() checks the inputs, attacks only
// the samples the model still gets right (per the criterion), projects the result into
// the budget's eps-ball and the bounds, and re-verifies success with a fresh forward pass.
// No attack can return an unverified or out-of-budget result.
//
// An attack is its options (a parameter table, see param_table.h) plus an algorithm; the
// threat model and the budget are arguments of run() (budget.h), so one attack object
// serves many eps. Each attack's own norm/eps/queries options make its default budget.
#include "advlab/attacks/attack_context.h"
#include "advlab/attacks/attack_result.h"
#include "advlab/attacks/budget.h"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

namespace advlab {

class Attack {
 public:
  virtual ~Attack() = default;

  // x [N, ...] on any device, inside model.bounds(); criterion over the same N samples.
  // Throws advlab::Error for a norm the attack does not support.
  AttackResult run(Classifier& model, const torch::Tensor& x, const Criterion& criterion,
                   const Budget& budget, uint64_t seed = 0);
  // The same with per-sample seeds (sample_random.h): a sample's random draws depend on
  // seeds.seed and its index seeds.ids[i] only, not on the rest of the batch.
  AttackResult run(Classifier& model, const torch::Tensor& x, const Criterion& criterion,
                   const Budget& budget, const SampleSeeds& seeds);
  // The same with the attack's default budget (its own norm, eps and queries options).
  AttackResult run(Classifier& model, const torch::Tensor& x, const Criterion& criterion,
                   uint64_t seed = 0);

  const std::string& name() const { return name_; }
  const Budget& default_budget() const { return defaults_; }
  // Every option in effect (defaults included), for reports; eps, norm and queries are
  // those of the last run (before any run: the defaults).
  nlohmann::json params() const { return params(budget()); }
  // The same as a run with `budget` would report them.
  nlohmann::json params(const Budget& budget) const;
  // Minimum-norm attacks look for the smallest adversarial; run() then also reports
  // AttackResult::minimum_distance, and with eps given keeps a far adversarial whose
  // projection onto the eps-ball still fools the model (a smaller one the search missed).
  // kMinimumNorm states it once per class, for the registry as well.
  static constexpr bool kMinimumNorm = false;
  virtual bool minimum_norm() const { return kMinimumNorm; }
  // True when a given eps steers a minimum-norm attack's search (caps its restarts,
  // stops a sample once within eps), so an unbounded run may do worse at that eps than a
  // bounded one: eval then runs it once per eps instead of once for all (eps_sweep.h).
  virtual bool eps_steers_search() const { return false; }
  // Mask attacks return the pixels they may change ([1, H, W] of 0/1, see
  // threat/mask.h); run() restores every pixel outside it. Undefined = no mask.
  virtual torch::Tensor mask() const { return {}; }
  // The norms run() accepts in a budget (empty = any); the registry sets its table's.
  void restrict_norms(std::vector<std::string> norms) { norms_ = std::move(norms); }

 protected:
  Attack(std::string name, Budget defaults)
      : name_(std::move(name)), defaults_(defaults), current_(std::move(defaults)) {}

  // The attack's options for params(); the budget's keys are filled in by params().
  virtual nlohmann::json options_json() const = 0;
  // Returns candidate adversarials for x [n, ...] (the samples still to be broken).
  // Candidates may fail; the base class verifies.
  virtual torch::Tensor perturb(AttackContext& context, const torch::Tensor& x,
                                const Criterion& criterion) = 0;

  // The budget of the run under way (after a run: the last run's; before: the defaults).
  const Budget& budget() const { return current_; }
  const ThreatModel& threat() const { return *budget().threat; }
  std::optional<double> epsilon() const { return budget().eps; }
  // eps of a bounded run; throws advlab::Error naming the attack when the budget has none.
  double eps() const;
  int64_t query_budget() const { return budget().queries; }

 private:
  // Minimum-norm attacks with eps: far candidates replaced by their projection where it
  // is still adversarial (within the query budget).
  torch::Tensor rescue_far(AttackContext& context, const torch::Tensor& x, torch::Tensor adv,
                           const Criterion& criterion);

  std::string name_;
  Budget defaults_;
  Budget current_;
  std::vector<std::string> norms_;
};

}  // namespace advlab
