#pragma once
// Base of black-box attacks: run() hands the attack an Oracle built from the model (the
// attack never sees the model), with the configured output kind and query budget.
#include "advlab/attacks/attack.h"
#include "advlab/attacks/blackbox/oracle.h"

#include <optional>

namespace advlab {

class BlackBoxAttack : public Attack {
 public:
  std::string name() const override { return name_; }

 protected:
  // eps: the budget, or none for minimum-norm attacks. queries: per-sample query budget
  // (<= 0 unlimited). Throws advlab::Error for eps < 0, an unknown norm.
  BlackBoxAttack(std::string name, std::optional<double> eps, const std::string& norm,
                 OracleOutput output, int64_t queries);

  // x: the samples still to be broken; answers only through `oracle`.
  virtual torch::Tensor attack(Oracle& oracle, const torch::Tensor& x, const Criterion& criterion) = 0;

  const ThreatModel& threat() const override { return *threat_; }
  std::optional<double> epsilon() const override { return eps_; }
  OracleOutput oracle_output() const { return output_; }
  int64_t query_budget() const { return queries_; }

 private:
  torch::Tensor perturb(AttackContext& context, const torch::Tensor& x,
                        const Criterion& criterion) final;

  std::string name_;
  std::optional<double> eps_;
  std::shared_ptr<ThreatModel> threat_;
  OracleOutput output_;
  int64_t queries_;
};

}  // namespace advlab
