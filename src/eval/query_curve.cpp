#include "advlab/eval/query_curve.h"

#include "advlab/core/error.h"
#include "advlab/io/html_page.h"

#include <torch/torch.h>

#include <cmath>
#include <cstdio>

namespace advlab::eval {

QueryCurve query_curve(const torch::Tensor& queries, const torch::Tensor& broken, const torch::Tensor& attacked,
                       int64_t max_queries, int64_t points) {
  ADVLAB_CHECK(points >= 1, "query curve: points must be >= 1, got ", points);
  ADVLAB_CHECK(queries.numel() == broken.numel() && queries.numel() == attacked.numel(),
               "query curve: queries, broken and attacked differ in length");
  auto q = queries.to(torch::kCPU, torch::kLong).reshape({-1});
  auto on = attacked.to(torch::kCPU, torch::kBool).reshape({-1});
  auto hit = broken.to(torch::kCPU, torch::kBool).reshape({-1}) & on;
  QueryCurve curve;
  curve.attacked = on.sum().item<int64_t>();
  if (max_queries <= 0) max_queries = curve.attacked > 0 ? q.masked_select(on).max().item<int64_t>() : 0;
  auto spent = q.masked_select(hit);
  for (int64_t k = 0; k <= points; ++k) {
    int64_t count = (k * max_queries + points - 1) / points;  // ceil: the grid ends at max_queries
    if (!curve.queries.empty() && count == curve.queries.back()) continue;
    curve.queries.push_back(count);
    int64_t within = spent.numel() > 0 ? (spent <= count).sum().item<int64_t>() : 0;
    curve.success_rate.push_back(curve.attacked > 0 ? double(within) / double(curve.attacked) : 0.0);
  }
  return curve;
}

nlohmann::json to_json(const QueryCurve& curve) {
  return {{"queries", curve.queries}, {"success_rate", curve.success_rate}, {"attacked", curve.attacked}};
}

namespace {
std::string svg_number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}
}  // namespace

std::string query_curve_svg(const QueryCurve& curve, const std::string& title) {
  const double width = 480, height = 300, left = 56, right = 16, top = 30, bottom = 44;
  const double plot_w = width - left - right, plot_h = height - top - bottom;
  const double max_q = curve.queries.empty() ? 1.0 : std::max<double>(1.0, double(curve.queries.back()));
  auto px = [&](double q) { return svg_number(left + plot_w * q / max_q); };
  auto py = [&](double r) { return svg_number(top + plot_h * (1.0 - r)); };
  std::string s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + svg_number(width) + "\" height=\"" +
                  svg_number(height) + "\" viewBox=\"0 0 " + svg_number(width) + " " + svg_number(height) +
                  "\" font-family=\"sans-serif\" font-size=\"12\">";
  s += "<text x=\"" + svg_number(width / 2) + "\" y=\"18\" text-anchor=\"middle\">" + io::html_escape(title) +
       "</text>";
  for (double r : {0.0, 0.25, 0.5, 0.75, 1.0}) {  // horizontal grid and y labels
    s += "<line x1=\"" + px(0) + "\" x2=\"" + px(max_q) + "\" y1=\"" + py(r) + "\" y2=\"" + py(r) +
         "\" stroke=\"#ddd\"/>";
    s += "<text x=\"" + svg_number(left - 6) + "\" y=\"" + py(r) + "\" dy=\"4\" text-anchor=\"end\">" +
         std::to_string(std::llround(r * 100)) + "%</text>";
  }
  for (double f : {0.0, 0.25, 0.5, 0.75, 1.0}) {  // x labels
    s += "<text x=\"" + px(f * max_q) + "\" y=\"" + svg_number(top + plot_h + 16) + "\" text-anchor=\"middle\">" +
         std::to_string(std::llround(f * max_q)) + "</text>";
  }
  s += "<line x1=\"" + px(0) + "\" x2=\"" + px(0) + "\" y1=\"" + py(0) + "\" y2=\"" + py(1) + "\" stroke=\"#444\"/>";
  s += "<line x1=\"" + px(0) + "\" x2=\"" + px(max_q) + "\" y1=\"" + py(0) + "\" y2=\"" + py(0) + "\" stroke=\"#444\"/>";
  s += "<text x=\"" + svg_number(left + plot_w / 2) + "\" y=\"" + svg_number(height - 8) +
       "\" text-anchor=\"middle\">queries</text>";
  s += "<text transform=\"rotate(-90)\" x=\"" + svg_number(-(top + plot_h / 2)) +
       "\" y=\"14\" text-anchor=\"middle\">success rate</text>";
  std::string points;
  for (size_t i = 0; i < curve.queries.size(); ++i)
    points += (i ? " " : "") + px(double(curve.queries[i])) + "," + py(curve.success_rate[i]);
  s += "<polyline class=\"query-curve\" fill=\"none\" stroke=\"#1f6fb4\" stroke-width=\"2\" points=\"" + points +
       "\"/>";
  s += "</svg>";
  return s;
}

}  // namespace advlab::eval
