#pragma once
// Cosine annealing of a step size or rate: `start` at step 0, `end` at step `steps`,
// following half a cosine in between (FMN, DDN, sigma-zero).
#include <cmath>
#include <cstdint>

namespace advlab {

inline double cosine_anneal(double start, double end, int64_t step, int64_t steps) {
  const double pi = std::acos(-1.0);
  return end + (start - end) * (1 + std::cos(pi * static_cast<double>(step) / static_cast<double>(steps))) / 2;
}

}  // namespace advlab
