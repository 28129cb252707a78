#include "advlab/eval/attack_report.h"

#include "advlab/attacks/registry.h"
#include "advlab/core/error.h"
#include "advlab/eval/query_curve.h"

#include "advlab/io/atomic_file.h"
#include "advlab/io/html_page.h"
#include "advlab/io/image_grid.h"
#include "advlab/io/json_file.h"
#include "advlab/io/line_chart.h"
#include "advlab/io/result_folder.h"
#include "advlab/io/tensor_file.h"

#include <algorithm>
#include <cstdio>

namespace advlab::eval {

namespace {

std::string fixed(double v, int digits = 4) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

std::string json_number(const nlohmann::json& v) {
  return v.is_number() ? fixed(v.get<double>()) : std::string("-");
}

// Up to `count` samples to show: successful attacks first, then the rest in order.
torch::Tensor showcase_rows(const AttackRun& run, int64_t count) {
  auto ok = (run.result.success & (run.clean_predictions == run.labels));
  auto rows = torch::cat({ok.nonzero().squeeze(1), (~ok).nonzero().squeeze(1)});
  return rows.narrow(0, 0, std::min<int64_t>(count, rows.size(0)));
}

bool is_black_box(const std::string& attack) {
  try {
    return find_attack(attack).family == "black-box";
  } catch (const Error&) {
    return false;  // not a registered attack (e.g. built in code): no chart
  }
}

const torch::Tensor& distance_in(const Distances& d, const std::string& norm) {
  if (norm == "l0") return d.l0;
  if (norm == "l1") return d.l1;
  if (norm == "l2") return d.l2;
  return d.linf;
}

// Robust accuracy against the budget, read off this run's adversarials: a sample counts as
// broken at budget t once its verified adversarial lies within t. A step curve that ends
// at the run's robust accuracy.
std::string robustness_chart(const AttackRun& run, const std::string& norm) {
  const int64_t n = run.size();
  if (n == 0) return "";
  auto correct = run.clean_predictions == run.labels;
  auto broken = run.result.success & correct;
  auto d = distance_in(run.result.distances, norm).masked_select(broken).to(torch::kDouble);
  auto sorted = std::get<0>(d.sort()).contiguous();
  auto values = sorted.accessor<double, 1>();
  double robust = correct.sum().item<double>() / static_cast<double>(n);
  io::ChartSeries series{"robust accuracy, " + run.attack + "'s adversarials"};
  series.stepped = true;
  series.show_points = false;
  series.points.emplace_back(0.0, robust);
  // At most ~200 steps: the page stays small for large runs.
  const int64_t k = sorted.size(0), stride = std::max<int64_t>(1, k / 200);
  for (int64_t i = 0; i < k; ++i) {
    if ((i + 1) % stride != 0 && i + 1 != k) continue;
    series.points.emplace_back(values[i],
                               robust - static_cast<double>(i + 1) / static_cast<double>(n));
  }
  io::LineChart chart;
  chart.x_title = "perturbation size (" + norm + ")";
  chart.y_title = "robust accuracy";
  chart.series.push_back(series);
  return io::line_chart_html(chart);
}

}  // namespace

std::string class_name(const data::Dataset& dataset, int64_t index) {
  if (index >= 0 && index < static_cast<int64_t>(dataset.class_names.size()))
    return dataset.class_names[static_cast<size_t>(index)];
  return std::to_string(index);
}

namespace {

void write_attack_files(const std::string& dir, const AttackRun& run, const data::Dataset& dataset) {
  auto metrics = summarize(run);
  io::write_json_atomic(dir + "/metrics.json", metrics);
  io::write_json_atomic(dir + "/query_curve.json", metrics["query_curve"]);

  auto clean = dataset.images.to(torch::kCPU);
  io::NamedTensors tensors = {{"adversarials", run.result.adversarials},
                              {"perturbations", run.result.adversarials - clean},
                              {"labels", run.labels},
                              {"clean_predictions", run.clean_predictions},
                              {"adversarial_predictions", run.result.predictions},
                              {"success", run.result.success}};
  if (run.targeted()) tensors.push_back({"targets", run.targets});
  for (const auto& [name, values] : run.result.extras) tensors.push_back({name, values});
  io::save_tensors(dir + "/adversarials.pt", tensors);

  auto rows = showcase_rows(run, 8);
  std::vector<std::pair<std::string, std::string>> captions;
  for (int64_t i = 0; i < rows.size(0); ++i) {
    int64_t r = rows[i].item<int64_t>();
    captions.emplace_back("orig: " + class_name(dataset, run.clean_predictions[r].item<int64_t>()),
                          "adv: " + class_name(dataset, run.result.predictions[r].item<int64_t>()));
  }
  io::save_adversarial_grid(dir + "/grid.png", clean.index_select(0, rows),
                            run.result.adversarials.index_select(0, rows), captions);

  io::HtmlPage page("advlab: " + run.attack + " on " + dataset.source);
  const std::string norm = run.params.contains("norm") && run.params["norm"].is_string()
                               ? run.params["norm"].get<std::string>()
                               : "linf";
  page.paragraph(std::string(run.targeted() ? "Targeted " : "Untargeted ") + run.attack + " leaves a robust accuracy of " +
                 fixed(metrics["robust_accuracy"]) + " (clean accuracy " + fixed(metrics["clean_accuracy"]) +
                 ") on " + std::to_string(run.size()) + " samples; it broke " + fixed(metrics["success_rate"]) +
                 " of the correctly classified ones in " + fixed(metrics["seconds"], 1) + " s.");
  page.raw(robustness_chart(run, norm));
  page.table({"n", "clean accuracy", "robust accuracy", "success rate", "median Linf", "median L2",
              "seconds", "images/s"},
             {{std::to_string(run.size()), fixed(metrics["clean_accuracy"]), fixed(metrics["robust_accuracy"]),
               fixed(metrics["success_rate"]), json_number(metrics["distance"]["linf"]["median"]),
               json_number(metrics["distance"]["l2"]["median"]), fixed(metrics["seconds"], 2),
               fixed(metrics["images_per_second"], 1)}});
  page.paragraph("Parameters: " + run.params.dump());
  page.image_file(dir + "/grid.png", "original | adversarial | perturbation (magnified)");
  if (is_black_box(run.attack)) {
    QueryCurve curve;
    curve.queries = metrics["query_curve"]["queries"].get<std::vector<int64_t>>();
    curve.success_rate = metrics["query_curve"]["success_rate"].get<std::vector<double>>();
    curve.attacked = metrics["query_curve"]["attacked"].get<int64_t>();
    page.svg_figure(query_curve_svg(curve, run.attack + ": success rate within q queries"),
                    "success rate against the number of queries per image (query_curve.json)");
  }
  page.save(dir + "/report.html");
}

}  // namespace

void write_attack_report(const std::string& dir, const AttackRun& run, const data::Dataset& dataset) {
  io::write_result_folder(dir, kAttackReportMarker,
                          [&](const std::string& staging) { write_attack_files(staging, run, dataset); });
}

}  // namespace advlab::eval
