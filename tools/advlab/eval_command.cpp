// advlab eval: robustness of a model, worst case per sample over a suite of attacks, at
// several budgets; writes report.json, report.html and the worst-case adversarials.
#include "advlab/attacks/registry.h"
#include "advlab/core/error.h"
#include "advlab/data/load.h"
#include "advlab/dist/group.h"
#include "advlab/eval/attack_suite.h"
#include "advlab/eval/evaluation_report.h"
#include "advlab/eval/robustness_evaluation.h"
#include "commands.h"
#include "output_path.h"
#include "model_loading.h"
#include "option_values.h"

#include <c10/util/StringUtil.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <iomanip>
#include <iostream>

namespace advlab::cli {

namespace {

struct EvalFlags {
  ModelFlags model;
  std::string data = "fashion-mnist:test";
  int64_t limit = 1000;
  std::string norm = "linf";
  std::vector<double> eps{0.05, 0.1, 0.2};
  std::string suite = "standard";
  int64_t queries = 1000;
  bool individual = false, no_checks = false, resume = false;
  double checkpoint_every = 60;
  uint64_t seed = 0;
  int64_t batch_size = 256;
  std::vector<std::string> settings;  // attack.key=value
  std::string out = "results/eval";
};

void run(EvalFlags f, bool queries_given, dist::Group* group) {
  const bool root = !group || group->is_root();
  // One device per local rank: --device cuda becomes cuda:LOCAL_RANK.
  if (group && f.model.device == "cuda") f.model.device = "cuda:" + std::to_string(group->launch().local_rank);
  check_output_folder("--out", f.out, eval::kEvaluationReportMarker);
  ADVLAB_CHECK(f.limit >= 0, "--limit must be >= 0, got ", f.limit);
  ADVLAB_CHECK(f.batch_size >= 1, "--batch-size must be >= 1, got ", f.batch_size);
  ADVLAB_CHECK(f.checkpoint_every >= 0 && std::isfinite(f.checkpoint_every),
               "--checkpoint-every must be a number of seconds >= 0, got ", f.checkpoint_every);
  eval::EvaluationOptions options;
  options.attacks = eval::resolve_suite(f.suite, f.norm);
  options.norm = f.norm;
  options.eps = f.eps;
  options.queries = f.queries;
  options.attack_options = per_attack_settings(f.settings);
  for (const auto& [attack, _] : options.attack_options)
    ADVLAB_CHECK(std::find(options.attacks.begin(), options.attacks.end(), attack) != options.attacks.end(),
                 "--set names attack '", attack, "', which is not in the suite");
  // The suite's own budgets, beneath the user's --set and --queries.
  eval::merge_suite_budgets(f.suite, f.norm, options.attacks, options.attack_options, options.queries, queries_given);
  options.individual = f.individual;
  options.checks = !f.no_checks;
  options.batch_size = f.batch_size;
  options.seed = f.seed;
  options.progress = root ? &std::cerr : nullptr;
  options.group = group;

  auto dataset = data::load_dataset(f.data).head(f.limit);
  auto model = f.model.load(dataset);
  // The checkpoint lives beside the report folder, which is replaced as a whole.
  auto out = f.out;
  while (out.size() > 1 && out.back() == '/') out.pop_back();
  options.state_path = out + ".state.pt";
  options.resume = f.resume;
  options.state_every_seconds = f.checkpoint_every;
  options.identity = {{"model", eval::file_fingerprint(f.model.path)},
                      {"data", {{"spec", f.data}, {"crc32", dataset.content_crc32()}}},
                      {"mean", f.model.mean}, {"std", f.model.std}, {"bounds", {f.model.lower, f.model.upper}}, {"device", f.model.device}};
  if (root && !f.resume && std::filesystem::exists(options.state_path))
    std::cerr << "note: " << options.state_path << " holds an interrupted evaluation; starting afresh "
              << "(--resume continues it)\n";
  if (root)
    std::cerr << "evaluating " << f.model.path << " on " << dataset.size() << " samples, suite "
              << c10::Join(", ", options.attacks)
              << (group ? c10::str(", ", group->size(), " processes") : std::string()) << "\n";
  auto evaluation = eval::evaluate_robustness(*model, dataset, options);
  if (!root) return;  // rank 0 writes the report
  try {
    eval::write_evaluation_report(f.out, evaluation, dataset, {f.model.path, f.data});
  } catch (const Error& e) {
    // The attacks' work is in the state file; say how to get the report without redoing it.
    throw Error(c10::str(e.what(), " (the finished evaluation is kept in ", options.state_path,
                         ": rerun with --resume to write the report without attacking again)"));
  }
  std::error_code ignored;
  std::filesystem::remove(options.state_path, ignored);  // the report now holds it all

  std::cout << "clean accuracy " << std::fixed << std::setprecision(3) << evaluation.clean_accuracy() << "\n";
  for (const auto& at : evaluation.per_eps)
    std::cout << "eps " << at.eps << ": worst-case robust accuracy " << at.robust_accuracy() << "\n";
  std::cout << evaluation.warnings.size() << " warning(s); wrote " << f.out << "/{report.json,report.html}\n";
}

}  // namespace

void register_eval_command(CLI::App& app) {
  auto flags = std::make_shared<EvalFlags>();
  auto* cmd = app.add_subcommand("eval", "robustness evaluation: worst case over a suite of attacks");
  flags->model.add_to(*cmd);
  cmd->add_option("--data", flags->data, "dataset spec (see README)")->capture_default_str();
  cmd->add_option("--limit", flags->limit, "use the first N images (0 = all)")->capture_default_str();
  cmd->add_option("--norm", flags->norm, "threat model: linf, l2, l1, l0")->capture_default_str();
  add_number_list(*cmd, "--eps", flags->eps, "budgets, comma separated");
  cmd->add_option("--suite", flags->suite, "standard | standard-fast | rapid | quick | full | attack,attack,...")
      ->capture_default_str();
  cmd->add_option("--queries", flags->queries, "query budget per image for black-box attacks")->capture_default_str();
  cmd->add_flag("--individual", flags->individual, "also run every attack on every correct sample");
  cmd->add_flag("--no-checks", flags->no_checks, "skip the soundness checks");
  cmd->add_flag("--resume", flags->resume,
                "continue an interrupted evaluation from OUT.state.pt (checkpointed after every attack and every minute)");
  cmd->add_option("--checkpoint-every", flags->checkpoint_every,
                  "seconds between checkpoints inside one attack (after a batch)")->capture_default_str();
  cmd->add_option("--seed", flags->seed, "random seed")->capture_default_str();
  cmd->add_option("--batch-size", flags->batch_size, "images per batch")->capture_default_str();
  cmd->add_option("--set", flags->settings, "attack option attack.key=value (repeatable)");
  cmd->add_option("--out", flags->out, "output folder")->capture_default_str();
  cmd->callback([flags, cmd] {
    // Under torchrun or srun (RANK/WORLD_SIZE... in the environment) the ranks share the work.
    auto group = dist::join_from_env();
    dist::run_as_rank(group.get(), [&] { run(*flags, cmd->count("--queries") > 0, group.get()); });
  });
}

}  // namespace advlab::cli
