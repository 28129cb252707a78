// attack_bench.json (per attack: optimality, curve, per-sample distances) and an HTML page
// that leads with the curves and the optimality table.
#include "advlab/eval/attack_bench.h"

#include "advlab/io/html_page.h"
#include "advlab/io/json_file.h"
#include "advlab/io/line_chart.h"
#include "advlab/io/result_folder.h"

#include <torch/torch.h>

#include <cmath>
#include <cstdio>

namespace advlab::eval {

namespace {

constexpr int kBenchCurvePoints = 41;

std::string bench_decimal(double v, int digits = 3) {
  if (!std::isfinite(v)) return "-";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

// JSON has no infinity: samples with no adversarial found are null.
nlohmann::json bench_distance_list(const torch::Tensor& d) {
  auto json = nlohmann::json::array();
  auto a = d.contiguous().to(torch::kFloat32);
  auto p = a.accessor<float, 1>();
  for (int64_t i = 0; i < p.size(0); ++i) json.push_back(std::isfinite(p[i]) ? nlohmann::json(p[i]) : nlohmann::json());
  return json;
}

double bench_finite_max(const torch::Tensor& d) {
  auto f = d.masked_select(d.isfinite());
  return f.numel() > 0 ? f.max().item<double>() : 0.0;
}

double bench_finite_median(const torch::Tensor& d) {
  auto f = d.masked_select(d.isfinite() & (d > 0));
  return f.numel() > 0 ? f.median().item<double>() : std::nan("");
}

}  // namespace

nlohmann::json AttackBench::to_json() const {
  const double d_max = bench_finite_max(best);
  auto grid = [&](const torch::Tensor& d) {
    auto curve = nlohmann::json::array();
    for (int i = 0; i < kBenchCurvePoints; ++i) {
      double eps = d_max * i / (kBenchCurvePoints - 1);
      curve.push_back({{"eps", eps}, {"robust_accuracy", robust_accuracy(d, eps)}});
    }
    return curve;
  };
  nlohmann::json j;
  j["norm"] = norm;
  j["n"] = best.size(0);
  j["clean_accuracy"] = clean_accuracy();
  j["unbroken"] = (~best.isfinite()).sum().item<int64_t>();
  j["best"] = {{"distances", bench_distance_list(best)}, {"curve", grid(best)}, {"median_distance", bench_finite_median(best)}};
  j["attacks"] = nlohmann::json::array();
  for (const auto& e : entries) {
    auto found = (e.distances.isfinite() & (e.distances > 0)).sum().item<int64_t>();
    j["attacks"].push_back({{"attack", e.attack},
                            {"minimum_norm", e.minimum_norm},
                            {"optimality", e.optimality},
                            {"median_distance", bench_finite_median(e.distances)},
                            {"found", found},
                            {"propagations", {{"mean", mean_propagations(e, best)},
                                              {"max", e.propagations.max().item<int64_t>()}}},
                            {"budget_violations", e.budget_violations},
                            {"box_failures", e.box_failures},
                            {"seconds", e.seconds},
                            {"curve", grid(e.distances)},
                            {"distances", bench_distance_list(e.distances)}});
  }
  return j;
}

void write_attack_bench_report(const std::string& dir, const AttackBench& bench, const nlohmann::json& about) {
  auto report = bench.to_json();
  report["about"] = about;
  io::write_result_folder(dir, kAttackBenchMarker, [&](const std::string& staging) {
    io::write_json_atomic(staging + "/" + kAttackBenchMarker, report);

    io::HtmlPage page("advlab attack bench (" + bench.norm + ")");
    const AttackBenchEntry* top = nullptr;
    for (const auto& e : bench.entries)
      if (!top || e.optimality > top->optimality) top = &e;
    page.paragraph("Best " + bench.norm + " attack: " + top->attack + " (optimality " + bench_decimal(top->optimality) +
                   ") of " + std::to_string(bench.entries.size()) + " on " + std::to_string(bench.best.size(0)) +
                   " samples; clean accuracy " + bench_decimal(bench.clean_accuracy()) +
                   ". Optimality 1 means the attack found each sample's smallest adversarial over all attacks.");
    io::LineChart chart;
    chart.x_title = bench.norm + " eps";
    chart.y_title = "robust accuracy";
    io::ChartSeries reference{"best over all attacks"};
    for (const auto& p : report["best"]["curve"]) reference.points.emplace_back(p["eps"], p["robust_accuracy"]);
    reference.color = "#2c3e50";
    reference.width = 3;
    reference.show_points = false;
    chart.series.push_back(reference);
    for (size_t k = 0; k < report["attacks"].size(); ++k) {
      const auto& a = report["attacks"][k];
      io::ChartSeries s{a["attack"].get<std::string>()};
      for (const auto& p : a["curve"]) s.points.emplace_back(p["eps"], p["robust_accuracy"]);
      s.color = io::chart_color(k);
      s.dashed = true;
      s.show_points = false;
      chart.series.push_back(s);
    }
    page.raw(io::line_chart_html(chart));
    std::vector<std::vector<std::string>> rows;
    for (const auto& a : report["attacks"])
      rows.push_back({a["attack"].get<std::string>(), a["minimum_norm"].get<bool>() ? "minimum-norm" : "bisection",
                      bench_decimal(a["optimality"].get<double>()),
                      a["median_distance"].is_number() ? bench_decimal(a["median_distance"].get<double>(), 4) : "-",
                      std::to_string(a["found"].get<int64_t>()),
                      bench_decimal(a["propagations"]["mean"].get<double>(), 0),
                      std::to_string(a["budget_violations"].get<int64_t>()),
                      std::to_string(a["box_failures"].get<int64_t>()), bench_decimal(a["seconds"].get<double>(), 1)});
    page.table({"attack", "kind", "optimality", "median distance", "found", "propagations (mean)",
                "over budget", "box failures", "seconds"},
               rows);
    page.paragraph("Curves: robust accuracy against eps from each attack's per-sample smallest adversarial. "
                   "Fixed-budget attacks are bisected over eps per sample. Samples no attack broke (" +
                   std::to_string(report["unbroken"].get<int64_t>()) + ") are left out of the optimality.");
    page.save(staging + "/attack_bench.html");
  });
}

}  // namespace advlab::eval
