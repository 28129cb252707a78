#include "advlab/attacks/blackbox/black_box_attack.h"

#include "advlab/core/error.h"

#include <cmath>

namespace advlab {

BlackBoxAttack::BlackBoxAttack(std::string name, std::optional<double> eps, const std::string& norm,
                               OracleOutput output, int64_t queries)
    : name_(std::move(name)), eps_(eps), threat_(make_threat_model(norm)), output_(output), queries_(queries) {
  if (eps_) ADVLAB_CHECK(*eps_ >= 0 && std::isfinite(*eps_), name_, ": eps must be >= 0 and finite, got ", *eps_);
}

torch::Tensor BlackBoxAttack::perturb(AttackContext& context, const torch::Tensor& x,
                                      const Criterion& criterion) {
  Oracle oracle(context, output_, queries_);
  torch::NoGradGuard no_grad;  // nothing in a black-box attack needs a graph
  return attack(oracle, x, criterion);
}

}  // namespace advlab
