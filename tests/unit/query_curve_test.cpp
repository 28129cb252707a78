// The query curve: known answers on hand-made counts, and its SVG chart.
#include "advlab/eval/query_curve.h"

#include <gtest/gtest.h>
#include <algorithm>
#include <torch/torch.h>

namespace advlab::eval {
namespace {

TEST(QueryCurve, CountsAttackedSamplesBrokenWithinEachQueryCount) {
  // Five attacked samples broken after 3, 10, 10 and 40 queries, one never; one more
  // sample not attacked (misclassified already) must not count either way.
  auto queries = torch::tensor({3, 10, 10, 40, 100, 1}, torch::kLong);
  auto broken = torch::tensor({true, true, true, true, false, true});
  auto attacked = torch::tensor({true, true, true, true, true, false});
  auto curve = query_curve(queries, broken, attacked, 100, 10);
  EXPECT_EQ(curve.attacked, 5);
  ASSERT_EQ(curve.queries, (std::vector<int64_t>{0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100}));
  std::vector<double> expected = {0, 0.6, 0.6, 0.6, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8};
  ASSERT_EQ(curve.success_rate.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) EXPECT_DOUBLE_EQ(curve.success_rate[i], expected[i]) << i;

  auto j = to_json(curve);
  EXPECT_EQ(j["queries"].size(), 11u);
  EXPECT_EQ(j["attacked"], 5);
}

TEST(QueryCurve, SmallBudgetsGiveEveryCountOnceAndDefaultToTheLargestSpent) {
  auto queries = torch::tensor({2, 3, 1}, torch::kLong);
  auto all = torch::tensor({true, true, true});
  auto curve = query_curve(queries, torch::tensor({true, false, true}), all, 0, 50);
  EXPECT_EQ(curve.queries, (std::vector<int64_t>{0, 1, 2, 3}));
  EXPECT_DOUBLE_EQ(curve.success_rate[1], 1.0 / 3);
  EXPECT_DOUBLE_EQ(curve.success_rate[3], 2.0 / 3);
  // Nothing attacked: an empty rate, not a division by zero.
  auto none = query_curve(queries, all, torch::tensor({false, false, false}), 10, 5);
  for (double r : none.success_rate) EXPECT_EQ(r, 0.0);
}

TEST(QueryCurve, SvgDrawsOnePointPerGridCount) {
  auto curve = query_curve(torch::tensor({5, 7}, torch::kLong), torch::tensor({true, true}),
                           torch::tensor({true, true}), 10, 10);
  auto svg = query_curve_svg(curve, "a <title>");
  EXPECT_EQ(svg.rfind("<svg", 0), 0u);
  EXPECT_NE(svg.find("a &lt;title&gt;"), std::string::npos);
  auto start = svg.find("points=\"");
  ASSERT_NE(start, std::string::npos);
  auto points = svg.substr(start + 8, svg.find('"', start + 8) - start - 8);
  EXPECT_EQ(std::count(points.begin(), points.end(), ','), static_cast<long>(curve.queries.size()));
}

}  // namespace
}  // namespace advlab::eval
