// advlab attack: run one registered attack over a dataset and write its report folder.
#include "advlab/attacks/registry.h"
#include "advlab/core/error.h"
#include "advlab/data/load.h"
#include "advlab/eval/attack_report.h"
#include "advlab/eval/transform_robustness.h"
#include "commands.h"
#include "output_path.h"
#include "model_loading.h"

#include <iostream>

namespace advlab::cli {

namespace {

struct AttackFlags {
  ModelFlags model;
  std::string data = "fashion-mnist:test";
  int64_t limit = 0;
  std::string attack;
  std::string norm;
  double eps = 0, step_size = 0;
  int64_t steps = 0, restarts = 0, queries = 0;
  std::string surrogate;
  std::string generator;
  std::string inverter;
  std::string mask;
  bool targeted = false;
  std::string target = "random";
  uint64_t seed = 0;
  int64_t batch_size = 256;
  int64_t views = -1;  // -1: 100 for physical attacks, none for the others
  std::vector<std::string> settings;
  std::string out;
};

std::map<std::string, std::string> attack_options(const AttackFlags& f, const CLI::App& cmd) {
  std::map<std::string, std::string> options;
  // Only options the user gave: each attack's own defaults stay in one place.
  if (cmd.count("--norm")) options["norm"] = f.norm;
  if (cmd.count("--eps")) options["eps"] = c10::str(f.eps);
  if (cmd.count("--steps")) options["steps"] = std::to_string(f.steps);
  if (cmd.count("--step-size")) options["step_size"] = c10::str(f.step_size);
  if (cmd.count("--restarts")) options["restarts"] = std::to_string(f.restarts);
  if (cmd.count("--queries")) options["queries"] = std::to_string(f.queries);
  if (cmd.count("--surrogate")) options["surrogate"] = f.surrogate;
  if (cmd.count("--generator")) options["generator"] = f.generator;
  if (cmd.count("--inverter")) options["inverter"] = f.inverter;
  if (cmd.count("--mask")) options["mask"] = f.mask;
  for (const auto& s : f.settings) {
    auto eq = s.find('=');
    ADVLAB_CHECK(eq != std::string::npos && eq > 0, "--set expects key=value, got '", s, "'");
    options[s.substr(0, eq)] = s.substr(eq + 1);
  }
  return options;
}

void run(const AttackFlags& f, const CLI::App& cmd) {
  check_output_folder("--out", f.out, eval::kAttackReportMarker);
  ADVLAB_CHECK(f.eps >= 0, "eps must be >= 0, got ", f.eps);
  ADVLAB_CHECK(f.limit >= 0, "--limit must be >= 0, got ", f.limit);
  ADVLAB_CHECK(f.batch_size >= 1, "--batch-size must be >= 1, got ", f.batch_size);
  ADVLAB_CHECK(f.views >= -1, "--views must be >= 0, got ", f.views);
  auto chosen = attack_options(f, cmd);
  // The table says which attacks take a mask; the flag, not the option, is named.
  ADVLAB_CHECK(!cmd.count("--mask") || find_attack(f.attack).param("mask"), "--mask: attack '", f.attack,
               "' does not take a mask (only mask attacks such as jsma and sparsefool do; see advlab list-attacks)");
  auto attack = make_attack(f.attack, chosen);  // validates before loading data
  auto dataset = data::load_dataset(f.data).head(f.limit);
  auto model = f.model.load(dataset);

  eval::AttackRunOptions options;
  options.batch_size = f.batch_size;
  options.seed = f.seed;
  options.progress = &std::cerr;
  if (f.targeted) options.targets = TargetSelection::parse(f.target);
  auto result = eval::run_attack(*attack, *model, dataset, options);
  const int64_t views = f.views >= 0 ? f.views : (find_attack(f.attack).physical ? 100 : 0);
  if (views > 0) {
    eval::TransformSuccessOptions over;
    over.views = views;
    over.seed = f.seed ^ 0x7669657773ULL;  // fresh views, not the ones the attack optimised on
    result.over_views = eval::success_over_views(*model, dataset, result, over);
  }
  eval::write_attack_report(f.out, result, dataset);

  auto m = eval::summarize(result);
  std::cout << f.attack << ": clean accuracy " << m["clean_accuracy"].get<double>()
            << ", robust accuracy " << m["robust_accuracy"].get<double>() << ", success rate "
            << m["success_rate"].get<double>() << " (" << m["n"].get<int64_t>() << " images, "
            << m["seconds"].get<double>() << " s)\n";
  if (m.contains("over_views"))
    std::cout << "over " << views << " fresh random views: success "
              << m["over_views"]["success_rate"].get<double>() << " (clean images: "
              << m["over_views"]["clean_baseline"].get<double>() << ")\n";
  std::cout << "wrote " << f.out << "/{metrics.json,adversarials.pt,grid.png,report.html}\n";
}

}  // namespace

void register_attack_command(CLI::App& app) {
  auto flags = std::make_shared<AttackFlags>();
  auto* cmd = app.add_subcommand("attack", "run an attack on a model over a dataset");
  flags->model.add_to(*cmd);
  cmd->add_option("--data", flags->data, "dataset spec (see README)")->capture_default_str();
  cmd->add_option("--limit", flags->limit, "use the first N images (0 = all)");
  cmd->add_option("--attack", flags->attack, "attack name (advlab list-attacks)")->required();
  cmd->add_option("--norm", flags->norm, "threat model: linf, l2, l1, l0");
  cmd->add_option("--eps", flags->eps, "perturbation budget");
  cmd->add_option("--steps", flags->steps, "iterations");
  cmd->add_option("--step-size", flags->step_size, "absolute step size");
  cmd->add_option("--restarts", flags->restarts, "random restarts (total runs)");
  cmd->add_option("--queries", flags->queries, "query budget per image (black-box attacks)");
  cmd->add_option("--surrogate", flags->surrogate, "surrogate model .pt (transfer attack)");
  cmd->add_option("--generator", flags->generator, "generator .pt (advgan: image -> perturbation; natural: latent -> image)");
  cmd->add_option("--inverter", flags->inverter, "inverter .pt, image -> latent (natural attack)");
  cmd->add_option("--mask", flags->mask,
                  "pixels a mask attack may change: full, rect:X,Y,W,H, circle:CX,CY,R, stickers, border:F or a .png");
  cmd->add_flag("--targeted", flags->targeted, "targeted attack");
  cmd->add_option("--target", flags->target, "random | least-likely | <class>")->capture_default_str();
  cmd->add_option("--seed", flags->seed, "random seed")->capture_default_str();
  cmd->add_option("--batch-size", flags->batch_size, "images per batch")->capture_default_str();
  cmd->add_option("--views", flags->views,
                  "judge success over N fresh random physical views (default 100 for rp2 and patch)");
  cmd->add_option("--set", flags->settings, "attack option key=value (repeatable)");
  cmd->add_option("--out", flags->out, "output folder")->required();
  cmd->callback([flags, cmd] { run(*flags, *cmd); });
}

}  // namespace advlab::cli
