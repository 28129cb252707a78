#include "advlab/io/line_chart.h"

#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>

namespace advlab::io {

namespace {

// "</" inside inlined script text would end the element early.
std::string script_safe(std::string s) {
  for (size_t p = s.find("</"); p != std::string::npos; p = s.find("</", p + 3)) s.replace(p, 2, "<\\/");
  return s;
}

nlohmann::json dataset_json(const ChartSeries& s) {
  nlohmann::json points = nlohmann::json::array();
  for (const auto& [x, y] : s.points) points.push_back({{"x", x}, {"y", y}});
  nlohmann::json d = {{"label", s.label},         {"data", points},          {"borderWidth", s.width},
                      {"borderColor", s.color},   {"backgroundColor", s.color}};
  if (s.dashed) d["borderDash"] = {4, 3};
  if (s.stepped) d["stepped"] = true;
  if (!s.show_points) d["pointRadius"] = 0;
  return d;
}

}  // namespace

const char* chart_color(size_t index) {
  static const char* palette[] = {"#2980b9", "#27ae60", "#8e44ad", "#d35400", "#16a085", "#7f8c8d", "#2c3e50"};
  return palette[index % 7];
}

std::string chart_library_source() {
  for (const char* path : {"/usr/share/javascript/chart.js/chart.min.js", "/usr/share/javascript/chart.js/chart.js"}) {
    std::ifstream in(path, std::ios::binary);
    if (!in) continue;
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
  }
  return "";
}

std::string line_chart_html(const LineChart& chart) {
  auto library = chart_library_source();
  if (library.empty())
    return "<p class=\"warning\">Chart.js is not installed (Debian package libjs-chart.js): the curve is "
           "in the table below and in the JSON files.</p>";
  nlohmann::json datasets = nlohmann::json::array();
  for (const auto& s : chart.series) datasets.push_back(dataset_json(s));
  nlohmann::json config = {
      {"type", "line"},
      {"data", {{"datasets", datasets}}},
      {"options",
       {{"animation", false},
        {"maintainAspectRatio", false},
        {"scales",
         {{"x", {{"type", "linear"}, {"title", {{"display", true}, {"text", chart.x_title}}}}},
          {"y", {{"min", chart.y_min}, {"max", chart.y_max}, {"title", {{"display", true}, {"text", chart.y_title}}}}}}}}}};
  const std::string id = chart.id;
  return "<div class=\"chart\" style=\"position:relative;max-width:760px;height:340px\"><canvas id=\"" + id +
         "\"></canvas></div>\n<script>" + script_safe(library) + "</script>\n<script>\n(function () {\n"
         "  var canvas = document.getElementById('" + id + "');\n  new Chart(canvas, " + script_safe(config.dump()) +
         ");\n  // Lets a headless browser confirm that the chart was drawn, and where.\n"
         "  document.body.setAttribute('data-chart', 'rendered');\n"
         "  document.body.setAttribute('data-chart-bottom', String(Math.round(canvas.getBoundingClientRect().bottom)));\n"
         "})();\n</script>";
}

}  // namespace advlab::io
