#pragma once
// A line chart for HTML reports, drawn by Chart.js (Debian's libjs-chart.js) inlined into
// the page, so a report is one file that opens without a network. Used for every
// robust-accuracy-vs-eps curve (eval, attack and quickstart pages).
#include <string>
#include <utility>
#include <vector>

namespace advlab::io {

struct ChartSeries {
  explicit ChartSeries(std::string label) : label(std::move(label)) {}

  std::string label;
  std::vector<std::pair<double, double>> points;  // (x, y)
  std::string color = "#2980b9";
  bool dashed = false;
  bool stepped = false;  // a step function (e.g. an empirical distribution)
  bool show_points = true;
  int width = 2;
};

struct LineChart {
  std::string id = "robustness-chart";  // the canvas id, unique within a page
  std::string x_title, y_title;
  double y_min = 0, y_max = 1;
  std::vector<ChartSeries> series;
};

// Chart.js from libjs-chart.js; empty if it is not installed.
std::string chart_library_source();

// The canvas and its script; where Chart.js is missing, a note saying so. Once drawn, the
// script marks <body data-chart="rendered"> and records where the chart ended on the page
// (data-chart-bottom, CSS pixels), so a headless browser can check the page's first screen.
std::string line_chart_html(const LineChart& chart);

// A colour per series index, distinct for the first seven.
const char* chart_color(size_t index);

}  // namespace advlab::io
