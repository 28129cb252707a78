#pragma once
// Base of black-box attacks: run() hands the attack an Oracle built from the model (the
// attack never sees the model), with the configured output kind and query budget.
#include "advlab/attacks/attack.h"
#include "advlab/attacks/blackbox/oracle.h"

#include <optional>

namespace advlab {

// Score-based attacks iterate until their queries run out; with unlimited queries (0)
// they need a step limit. Throws advlab::Error naming the attack when neither is set.
void require_stopping_rule(const std::string& attack, int64_t queries, int64_t steps);
// The length of a schedule over iterations (one query each): steps when set and shorter
// than the query budget, else the budget.
int64_t schedule_length(int64_t queries, int64_t steps);
// True once iteration `it` (from 0) is past the step limit (0 = none).
inline bool past_steps(int64_t it, int64_t steps) { return steps > 0 && it >= steps; }

class BlackBoxAttack : public Attack {
 protected:
  // eps: the default budget, or none for minimum-norm attacks. queries: the default
  // per-sample query budget (<= 0 unlimited). Throws advlab::Error for eps < 0, an
  // unknown norm.
  BlackBoxAttack(std::string name, std::optional<double> eps, const std::string& norm,
                 OracleOutput output, int64_t queries);

  // x: the samples still to be broken; answers only through `oracle`.
  virtual torch::Tensor attack(Oracle& oracle, const torch::Tensor& x, const Criterion& criterion) = 0;

  OracleOutput oracle_output() const { return output_; }

 private:
  torch::Tensor perturb(AttackContext& context, const torch::Tensor& x,
                        const Criterion& criterion) final;

  OracleOutput output_;
};

}  // namespace advlab
