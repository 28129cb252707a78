// advlab quickstart: the main job. Trains the default CNN on Fashion-MNIST (once; the
// model is cached), attacks test images with FGSM and PGD at several budgets, prints a
// table and writes a report folder with JSON, PNG grids and an HTML page.
#include "advlab/attacks/registry.h"
#include "advlab/core/error.h"
#include "advlab/data/load.h"
#include "advlab/eval/attack_report.h"
#include "advlab/io/html_page.h"
#include "advlab/io/json_file.h"
#include "advlab/io/line_chart.h"
#include "advlab/models/default_model.h"
#include "commands.h"
#include "output_path.h"
#include "model_loading.h"
#include "option_values.h"

#include <cstdio>
#include <filesystem>
#include <iostream>

namespace advlab::cli {

namespace {

struct QuickstartFlags {
  ModelFlags model;
  std::string cache = "cache/fashion-small-cnn.pt";
  std::string out = "results/quickstart";
  int64_t limit = 1000;
  std::vector<double> eps{0.05, 0.1, 0.2};
  int64_t epochs = 2;
  int64_t steps = 40;
  uint64_t seed = 0;
};

// The model to attack: --model if given, else the cached default CNN (trained if absent).
std::string ensure_model(const QuickstartFlags& f) {
  if (!f.model.path.empty()) return f.model.path;
  models::DefaultModelOptions options;
  options.cache = f.cache;
  options.epochs = f.epochs;
  options.seed = f.seed;
  options.progress = &std::cerr;
  return models::ensure_default_model(options);
}

std::string format(double v, const char* fmt = "%.3f") {
  char buf[32];
  std::snprintf(buf, sizeof buf, fmt, v);
  return buf;
}

void run(QuickstartFlags f) {
  check_output_folder("--out", f.out);
  if (f.model.path.empty()) check_output_file("--cache", f.cache);
  ADVLAB_CHECK(f.limit >= 0, "--limit must be >= 0, got ", f.limit);
  ADVLAB_CHECK(f.steps >= 1, "--steps must be >= 1, got ", f.steps);
  ADVLAB_CHECK(!f.eps.empty(), "--eps needs at least one value");
  for (double e : f.eps) ADVLAB_CHECK(e >= 0, "eps must be >= 0, got ", e);
  ADVLAB_CHECK(f.epochs >= 1, "--epochs must be >= 1, got ", f.epochs);
  f.model.path = ensure_model(f);
  auto test = data::load_dataset("fashion-mnist:test").head(f.limit);
  auto model = f.model.load(test);

  nlohmann::json summary = nlohmann::json::array();
  std::vector<std::vector<std::string>> rows;
  io::LineChart chart;
  chart.x_title = "eps (L-inf)";
  chart.y_title = "robust accuracy";
  std::vector<std::pair<std::string, std::string>> grids;  // (heading, png path)
  double clean_accuracy = 0;
  for (const std::string attack_name : {"fgsm", "pgd"}) {
    io::ChartSeries series{attack_name == "pgd" ? "PGD-" + std::to_string(f.steps) : "FGSM"};
    series.color = io::chart_color(chart.series.size());
    for (double eps : f.eps) {
      std::map<std::string, std::string> options{{"eps", c10::str(eps)}};
      if (attack_name == "pgd") options["steps"] = std::to_string(f.steps);
      auto attack = make_attack(attack_name, options);
      eval::AttackRunOptions run_options;
      run_options.seed = f.seed;
      run_options.progress = &std::cerr;
      auto result = eval::run_attack(*attack, *model, test, run_options);
      auto folder = attack_name + "-eps" + format(eps, "%g");
      eval::write_attack_report(f.out + "/" + folder, result, test);
      auto m = eval::summarize(result);
      summary.push_back(m);
      clean_accuracy = m["clean_accuracy"];
      if (series.points.empty()) series.points.emplace_back(0.0, clean_accuracy);
      series.points.emplace_back(eps, m["robust_accuracy"].get<double>());
      rows.push_back({attack_name, format(eps, "%g"), format(m["clean_accuracy"]), format(m["robust_accuracy"]),
                      format(m["success_rate"]), format(m["seconds"], "%.1f")});
      grids.emplace_back(attack_name + " eps " + format(eps, "%g"), f.out + "/" + folder + "/grid.png");
    }
    chart.series.push_back(series);
  }
  const std::vector<std::string> header{"attack", "eps", "clean acc", "robust acc", "success", "seconds"};
  // Lead with the answer: the strongest attack at the largest budget, then the curve,
  // the table and the pictures.
  io::HtmlPage page("advlab quickstart");
  page.paragraph("PGD-" + std::to_string(f.steps) + " leaves a robust accuracy of " + rows.back()[3] +
                 " at L-inf eps " + rows.back()[1] + " (clean accuracy " + format(clean_accuracy) + "): model " +
                 f.model.path + ", " + std::to_string(test.size()) +
                 " Fashion-MNIST test images, untargeted FGSM and PGD attacks at each eps.");
  page.raw(io::line_chart_html(chart));
  page.table(header, rows);
  page.heading("Examples");
  for (const auto& [title, png] : grids)
    page.heading(title, 3).image_file(png, "original | adversarial | perturbation (magnified)");
  io::write_json_atomic(f.out + "/summary.json", summary);
  page.save(f.out + "/index.html");

  std::printf("%-8s %-6s %-10s %-11s %-8s %s\n", "attack", "eps", "clean acc", "robust acc", "success", "seconds");
  for (const auto& r : rows)
    std::printf("%-8s %-6s %-10s %-11s %-8s %s\n", r[0].c_str(), r[1].c_str(), r[2].c_str(), r[3].c_str(),
                r[4].c_str(), r[5].c_str());
  std::printf("report: %s/index.html\n", f.out.c_str());
}

}  // namespace

void register_quickstart_command(CLI::App& app) {
  auto flags = std::make_shared<QuickstartFlags>();
  auto* cmd = app.add_subcommand("quickstart", "train (or reuse) a Fashion-MNIST CNN and attack it with FGSM and PGD");
  flags->model.add_to(*cmd, /*required=*/false);
  cmd->add_option("--cache", flags->cache, "where the default model is cached")->capture_default_str();
  cmd->add_option("--out", flags->out, "report folder")->capture_default_str();
  cmd->add_option("--limit", flags->limit, "test images to attack")->capture_default_str();
  add_number_list(*cmd, "--eps", flags->eps, "L-inf budgets, comma separated");
  cmd->add_option("--epochs", flags->epochs, "training epochs for the default model")->capture_default_str();
  cmd->add_option("--steps", flags->steps, "PGD steps")->capture_default_str();
  cmd->add_option("--seed", flags->seed, "random seed")->capture_default_str();
  cmd->callback([flags] { run(*flags); });
}

}  // namespace advlab::cli
