// whole_count turns a real-valued L0 budget into a count without the undefined cast of a
// double beyond int64's range (onepixel, jsma and patch read eps this way).
#include "advlab/core/whole_count.h"

#include <gtest/gtest.h>

#include <limits>

namespace advlab {
namespace {

TEST(WholeCount, FloorsWithinTheCap) {
  EXPECT_EQ(whole_count(3.7, 10), 3);
  EXPECT_EQ(whole_count(3 * 0.1 / 0.1, 10), 3);  // 2.9999999999999996
  EXPECT_EQ(whole_count(0.5, 10), 0);
  EXPECT_EQ(whole_count(10.0, 10), 10);
}

TEST(WholeCount, HugeInfiniteNegativeAndNanAreClamped) {
  EXPECT_EQ(whole_count(1e30, 784), 784);
  EXPECT_EQ(whole_count(std::numeric_limits<double>::infinity(), 5), 5);
  EXPECT_EQ(whole_count(-1e30, 5), 0);
  EXPECT_EQ(whole_count(std::numeric_limits<double>::quiet_NaN(), 5), 0);
}

}  // namespace
}  // namespace advlab
