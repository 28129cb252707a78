#include "advlab/attacks/blackbox/black_box_attack.h"

#include "advlab/core/error.h"

#include <algorithm>
#include <cmath>

namespace advlab {

BlackBoxAttack::BlackBoxAttack(std::string name, std::optional<double> eps, const std::string& norm,
                               OracleOutput output, int64_t queries)
    : Attack(std::move(name), Budget::of(norm, eps, std::max<int64_t>(queries, 0))), output_(output) {}

void require_stopping_rule(const std::string& attack, int64_t queries, int64_t steps) {
  ADVLAB_CHECK(queries > 0 || steps > 0, attack, ": queries 0 (unlimited) needs steps > 0 to end the attack");
}

int64_t schedule_length(int64_t queries, int64_t steps) {
  if (steps > 0 && (queries <= 0 || steps < queries)) return steps;
  return queries;
}

torch::Tensor BlackBoxAttack::perturb(AttackContext& context, const torch::Tensor& x,
                                      const Criterion& criterion) {
  Oracle oracle(context, output_, query_budget());
  torch::NoGradGuard no_grad;  // nothing in a black-box attack needs a graph
  return attack(oracle, x, criterion);
}

}  // namespace advlab
