#include "advlab/eval/evaluation_report.h"

#include "advlab/core/error.h"
#include "advlab/eval/attack_report.h"
#include "advlab/io/atomic_file.h"
#include "advlab/io/base64.h"
#include "advlab/io/crc32.h"
#include "advlab/io/html_page.h"
#include "advlab/io/image_grid.h"
#include "advlab/io/json_file.h"
#include "advlab/io/line_chart.h"
#include "advlab/io/result_folder.h"
#include "advlab/io/tensor_file.h"

#include <torch/torch.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>

namespace advlab::eval {

namespace {

std::string decimal(double v, int digits = 3) {
  if (!std::isfinite(v)) return "-";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

nlohmann::json finite_or_null(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); }

// Dense robust-accuracy curve from the smallest adversarial found per sample: at each t,
// the fraction of samples correct and not broken within t. An upper bound (attacks may
// miss closer adversarials), exact where minimum-norm attacks ran.
nlohmann::json distance_curve(const RobustnessEvaluation& ev) {
  double top = ev.options.eps.back() > 0 ? 1.5 * ev.options.eps.back() : 1.0;
  auto d = ev.smallest_distance;
  auto correct = ev.correct();
  nlohmann::json curve = nlohmann::json::array();
  for (int i = 0; i <= 60; ++i) {
    double t = top * i / 60.0;
    double acc = (correct & (d > t)).to(torch::kDouble).mean().item<double>();
    curve.push_back({{"eps", t}, {"robust_accuracy_upper_bound", acc}});
  }
  return curve;
}

nlohmann::json per_class(const EpsEvaluation& at, const RobustnessEvaluation& ev, const data::Dataset& dataset) {
  nlohmann::json rows = nlohmann::json::array();
  for (int64_t c = 0; c < dataset.num_classes; ++c) {
    auto in_class = ev.labels == c;
    int64_t count = in_class.sum().item<int64_t>();
    if (count == 0) continue;
    rows.push_back({{"class", c},
                    {"name", class_name(dataset, c)},
                    {"n", count},
                    {"clean_accuracy", (ev.correct() & in_class).sum().item<int64_t>() / double(count)},
                    {"robust_accuracy", (at.robust & in_class).sum().item<int64_t>() / double(count)}});
  }
  return rows;
}

}  // namespace

nlohmann::json file_fingerprint(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {{"path", path}, {"crc32", nullptr}};
  std::ostringstream bytes;
  bytes << in.rdbuf();
  auto s = bytes.str();
  return {{"path", path}, {"bytes", s.size()}, {"crc32", io::hex32(io::crc32_of_bytes(s.data(), s.size()))}};
}

std::string adversarials_file_name(double eps) { return "adversarials-eps" + c10::str(eps) + ".pt"; }

nlohmann::json evaluation_json(const RobustnessEvaluation& ev, const data::Dataset& dataset,
                               const EvaluationInputs& inputs) {
  const auto& o = ev.options;
  nlohmann::json j;
  j["tool"] = "advlab eval";
  j["model"] = file_fingerprint(inputs.model_path);
  j["data"] = {{"spec", inputs.data_spec}, {"source", dataset.source}, {"n", dataset.size()},
               {"crc32", dataset.content_crc32()}};
  j["seed"] = o.seed;
  j["norm"] = o.norm;
  j["eps"] = ev.options.eps;
  j["suite"] = o.attacks;
  j["queries"] = o.queries;
  j["individual"] = o.individual;
  j["n"] = dataset.size();
  j["clean_accuracy"] = ev.clean_accuracy();
  j["seconds"] = ev.seconds;
  j["distributed"] = {{"world_size", ev.world_size}, {"backend", ev.backend}};

  nlohmann::json results = nlohmann::json::array();
  for (const auto& at : ev.per_eps) {
    nlohmann::json attacks = nlohmann::json::array();
    for (size_t k = 0; k < at.stages.size(); ++k) {
      const auto& s = at.stages[k];
      nlohmann::json a = {{"attack", s.attack},
                          {"family", s.family},
                          {"params", s.params},
                          {"attacked", s.attacked.sum().item<int64_t>()},
                          {"broken", s.broken.sum().item<int64_t>()},
                          {"robust_accuracy_after", at.robust_accuracy_after(k)},
                          {"seconds", s.seconds},
                          {"queries", s.queries},
                          {"gradients", s.gradients},
                          {"silent_failures", s.silent_failures.sum().item<int64_t>()}};
      if (o.individual) a["robust_accuracy_alone"] = at.robust_accuracy_of(k);
      attacks.push_back(a);
    }
    results.push_back({{"eps", at.eps},
                       {"robust_accuracy", at.robust_accuracy()},
                       {"attacks", attacks},
                       {"per_class", per_class(at, ev, dataset)},
                       {"adversarials", adversarials_file_name(at.eps)}});
  }
  j["results"] = results;

  nlohmann::json distances = nlohmann::json::array();
  auto d = ev.smallest_distance.to(torch::kDouble);
  for (int64_t i = 0; i < d.size(0); ++i) distances.push_back(finite_or_null(d[i].item<double>()));
  auto broken = torch::isfinite(d) & (d > 0);
  j["smallest_distance"] = {
      {"norm", o.norm},
      {"per_sample", distances},
      {"median_over_broken", broken.any().item<bool>() ? nlohmann::json(d.masked_select(broken).median().item<double>())
                                                       : nlohmann::json(nullptr)}};
  j["curve"] = distance_curve(ev);
  nlohmann::json warnings = nlohmann::json::array();
  for (const auto& w : ev.warnings) warnings.push_back({{"check", w.check}, {"message", w.message}});
  j["warnings"] = warnings;
  return j;
}

namespace {

// The robust-accuracy-vs-eps chart: measured worst case per eps, cumulative per attack,
// and the dense upper bound from the smallest adversarials.
std::string chart_html(const nlohmann::json& report) {
  io::LineChart chart;
  chart.x_title = "eps (" + report["norm"].get<std::string>() + ")";
  chart.y_title = "robust accuracy";
  io::ChartSeries worst{"worst case over the suite"};
  for (const auto& r : report["results"]) worst.points.emplace_back(r["eps"], r["robust_accuracy"]);
  worst.color = "#c0392b";
  worst.width = 3;
  chart.series.push_back(worst);
  const auto& first_attacks = report["results"][0]["attacks"];
  for (size_t k = 0; k < first_attacks.size(); ++k) {
    io::ChartSeries after{"after " + first_attacks[k]["attack"].get<std::string>()};
    for (const auto& r : report["results"]) after.points.emplace_back(r["eps"], r["attacks"][k]["robust_accuracy_after"]);
    after.color = io::chart_color(k);
    after.dashed = true;
    chart.series.push_back(after);
  }
  io::ChartSeries bound{"smallest adversarial found (upper bound)"};
  for (const auto& p : report["curve"]) bound.points.emplace_back(p["eps"], p["robust_accuracy_upper_bound"]);
  bound.color = "#95a5a6";
  bound.stepped = true;
  bound.show_points = false;
  chart.series.push_back(bound);
  return io::line_chart_html(chart);
}

std::string image_cell(const torch::Tensor& image, const std::string& caption) {
  return "<figure style=\"display:inline-block;margin:4px\"><img alt=\"" + io::html_escape(caption) +
         "\" src=\"data:image/png;base64," + io::base64_encode(io::encode_png(image, 3)) + "\"><figcaption>" +
         io::html_escape(caption) + "</figcaption></figure>";
}

// The samples hardest and easiest to break, by smallest adversarial distance found.
std::string examples_html(const RobustnessEvaluation& ev, const data::Dataset& dataset) {
  auto d = ev.smallest_distance.clone();
  auto correct = ev.correct();
  auto candidates = correct.nonzero().squeeze(1);
  if (candidates.size(0) == 0) return "<p>No correctly classified samples.</p>";
  auto dc = d.index_select(0, candidates);
  auto order = std::get<1>(dc.sort(0, /*descending=*/true));
  int64_t k = std::min<int64_t>(8, order.size(0));
  const auto& last = ev.per_eps.back();
  auto row = [&](const torch::Tensor& picks) {
    std::string html;
    for (int64_t i = 0; i < picks.size(0); ++i) {
      int64_t r = candidates[picks[i].item<int64_t>()].item<int64_t>();
      double dist = d[r].item<double>();
      auto label = class_name(dataset, ev.labels[r].item<int64_t>());
      html += image_cell(dataset.images[r], label + (std::isfinite(dist) ? ", d=" + decimal(dist) : ", never broken"));
      if (last.broken_by[r].item<int64_t>() >= 0) html += image_cell(last.adversarials[r], "adversarial");
    }
    return html;
  };
  return "<h3>Most robust (largest smallest-adversarial distance)</h3><div>" + row(order.narrow(0, 0, k)) +
         "</div><h3>Least robust</h3><div>" + row(order.flip(0).narrow(0, 0, k)) + "</div>";
}

}  // namespace

namespace {

void write_evaluation_files(const std::string& dir, const RobustnessEvaluation& ev, const data::Dataset& dataset,
                            const EvaluationInputs& inputs) {
  for (const auto& at : ev.per_eps)
    io::save_tensors(dir + "/" + adversarials_file_name(at.eps),
                     {{"adversarials", at.adversarials},
                      {"labels", ev.labels},
                      {"clean_predictions", ev.clean_predictions},
                      {"robust", at.robust},
                      {"broken_by", at.broken_by}});
  auto report = evaluation_json(ev, dataset, inputs);
  io::write_json_atomic(dir + "/report.json", report);

  io::HtmlPage page("advlab robustness evaluation");
  const auto& worst_last = report["results"].back();
  page.paragraph("Worst-case robust accuracy " + decimal(worst_last["robust_accuracy"].get<double>()) + " at " +
                 ev.options.norm + " eps " + decimal(worst_last["eps"].get<double>(), 4) + " (clean accuracy " +
                 decimal(ev.clean_accuracy()) + ") of model " + inputs.model_path + " on " +
                 std::to_string(dataset.size()) + " samples of " + inputs.data_spec + ", over the suite's attacks; seed " +
                 std::to_string(ev.options.seed) + ", " + decimal(ev.seconds, 1) + " s." +
                 (ev.warnings.empty() ? " No soundness check fired."
                                      : " " + std::to_string(ev.warnings.size()) + " soundness warning(s): see below."));
  page.raw(chart_html(report));

  std::vector<std::string> header{"eps", "attack", "family", "ran on", "broke", "robust acc. after", "seconds"};
  if (ev.options.individual) header.push_back("robust acc. alone");
  std::vector<std::vector<std::string>> rows;
  for (const auto& r : report["results"]) {
    for (const auto& a : r["attacks"]) {
      std::vector<std::string> cells{decimal(r["eps"].get<double>(), 4), a["attack"].get<std::string>(),
                                     a["family"].get<std::string>(), std::to_string(a["attacked"].get<int64_t>()),
                                     std::to_string(a["broken"].get<int64_t>()),
                                     decimal(a["robust_accuracy_after"].get<double>()), decimal(a["seconds"].get<double>(), 1)};
      if (ev.options.individual) cells.push_back(decimal(a["robust_accuracy_alone"].get<double>()));
      rows.push_back(cells);
    }
    rows.push_back({decimal(r["eps"].get<double>(), 4), "worst case", "", "", "", decimal(r["robust_accuracy"].get<double>()), ""});
  }
  page.table(header, rows);
  page.paragraph("Each attack runs on the samples still robust after the ones above it.");

  page.heading("Warnings");
  if (ev.warnings.empty()) {
    page.paragraph("None of the soundness checks fired.");
  } else {
    std::string list = "<ul class=\"warnings\">";
    for (const auto& w : ev.warnings)
      list += "<li><b>" + io::html_escape(w.check) + "</b>: " + io::html_escape(w.message) + "</li>";
    page.raw(list + "</ul>");
  }

  std::vector<std::string> class_header{"class", "n", "clean acc."};
  for (const auto& r : report["results"]) class_header.push_back("robust @ " + decimal(r["eps"].get<double>(), 4));
  std::vector<std::vector<std::string>> class_rows;
  const auto& first = report["results"][0]["per_class"];
  for (size_t c = 0; c < first.size(); ++c) {
    std::vector<std::string> cells{first[c]["name"].get<std::string>(), std::to_string(first[c]["n"].get<int64_t>()),
                                   decimal(first[c]["clean_accuracy"].get<double>())};
    for (const auto& r : report["results"]) cells.push_back(decimal(r["per_class"][c]["robust_accuracy"].get<double>()));
    class_rows.push_back(cells);
  }
  page.heading("Per class");
  page.table(class_header, class_rows);
  page.heading("Examples");
  page.raw(examples_html(ev, dataset));
  page.save(dir + "/report.html");
}

}  // namespace

void write_evaluation_report(const std::string& dir, const RobustnessEvaluation& ev, const data::Dataset& dataset,
                             const EvaluationInputs& inputs) {
  io::write_result_folder(dir, kEvaluationReportMarker, [&](const std::string& staging) {
    write_evaluation_files(staging, ev, dataset, inputs);
  });
}

}  // namespace advlab::eval
