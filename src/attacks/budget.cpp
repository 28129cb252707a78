#include "advlab/attacks/budget.h"

#include "advlab/core/error.h"

#include <cmath>

namespace advlab {

Budget Budget::of(const std::string& norm, std::optional<double> eps, int64_t queries) {
  Budget b;
  b.threat = make_threat_model(norm);
  return b.with_eps(eps).with_queries(queries);
}

Budget Budget::with_eps(std::optional<double> e) const {
  if (e) ADVLAB_CHECK(*e >= 0 && std::isfinite(*e), "eps must be finite and >= 0, got ", *e);
  Budget b = *this;
  b.eps = e;
  return b;
}

Budget Budget::with_queries(int64_t q) const {
  ADVLAB_CHECK(q >= 0, "query budget must be >= 0 (0 = unlimited), got ", q);
  Budget b = *this;
  b.queries = q;
  return b;
}

}  // namespace advlab
