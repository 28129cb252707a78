#pragma once
// Counts read from a real-valued budget (an L0 eps is "values changed"; eps 1e30 means no
// limit): clamped to the largest count that makes sense before the cast, because a double
// beyond int64's range does not convert (undefined behaviour).
#include <cmath>
#include <cstdint>

namespace advlab {

// floor(value) within [0, cap]; NaN and negatives give 0. The 1e-9 keeps a budget computed
// as 3 * 0.1 / 0.1 from flooring to 2.
inline int64_t whole_count(double value, int64_t cap) {
  if (!(value > 0) || cap <= 0) return 0;
  if (value >= static_cast<double>(cap)) return cap;
  return static_cast<int64_t>(std::floor(value + 1e-9));
}

}  // namespace advlab
