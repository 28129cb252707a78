#pragma once
// Success rate as a function of the query count: for a grid of counts q, the fraction of
// the attacked samples broken within q queries. The standard way to compare black-box
// attacks (a curve, not just the rate at the budget).
#include <nlohmann/json.hpp>
#include <torch/types.h>

#include <string>
#include <vector>

namespace advlab::eval {

struct QueryCurve {
  std::vector<int64_t> queries;      // the grid, increasing, from 0 to the largest count
  std::vector<double> success_rate;  // fraction of attacked samples broken within queries[i]
  int64_t attacked = 0;              // the denominator
};

// queries int64 [N]: spent per sample; broken bool [N]: successes that count; attacked
// bool [N]: the samples the rate is over. The grid has up to `points` + 1 counts evenly
// spaced over [0, max_queries] (max_queries included); max_queries <= 0 means the
// largest count spent on an attacked sample.
QueryCurve query_curve(const torch::Tensor& queries, const torch::Tensor& broken, const torch::Tensor& attacked,
                       int64_t max_queries = 0, int64_t points = 50);

// {"queries": [...], "success_rate": [...], "attacked": n}
nlohmann::json to_json(const QueryCurve& curve);

// A self-contained SVG line chart of the curve (success rate 0..1 against queries).
std::string query_curve_svg(const QueryCurve& curve, const std::string& title);

}  // namespace advlab::eval
