// advlab advgan train: trains an AdvGAN generator against a model (semi-white-box, or
// black-box with dynamic distillation) and writes DIR/generator.pt (use it with
// advlab attack --attack advgan --generator DIR/generator.pt), DIR/checkpoint.pt (one per
// epoch; --resume continues from it exactly) and DIR/training.json.
#include "advlab/core/error.h"
#include "advlab/data/load.h"
#include "advlab/gan/advgan_trainer.h"
#include "advlab/io/json_file.h"
#include "advlab/models/module_file.h"
#include "commands.h"
#include "output_path.h"
#include "model_loading.h"

#include <iomanip>
#include <iostream>
#include <memory>

namespace advlab::cli {

namespace {

struct AdvGanTrainArgs {
  ModelFlags model;
  std::string data = "fashion-mnist:train";
  double eps = 0;
  std::string norm = "linf";
  int64_t target = -1;
  bool blackbox = false;
  int64_t limit = 0;
  std::string out;
  bool resume = false;
  gan::AdvGanOptions defaults{0.1};
  int64_t epochs = defaults.epochs(), batch_size = defaults.batch_size(), distill_epochs = defaults.distill_epochs();
  double lr = defaults.lr(), alpha = defaults.alpha(), beta = defaults.beta(), hinge_bound = defaults.hinge_bound(),
         kappa = defaults.kappa();
  uint64_t seed = 0;
};

void run_advgan_train(const AdvGanTrainArgs& a) {
  ADVLAB_CHECK(a.limit >= 0, "--limit must be >= 0, got ", a.limit);
  check_output_folder("--out", a.out);
  auto options = gan::AdvGanOptions(a.eps)
                     .norm(a.norm)
                     .target(a.target)
                     .epochs(a.epochs)
                     .batch_size(a.batch_size)
                     .lr(a.lr)
                     .alpha(a.alpha)
                     .beta(a.beta)
                     .hinge_bound(a.hinge_bound)
                     .kappa(a.kappa)
                     .seed(a.seed)
                     .blackbox(a.blackbox)
                     .distill_epochs(a.distill_epochs)
                     .checkpoint_path(a.out + "/checkpoint.pt")
                     .resume(a.resume)
                     .progress(&std::cerr);
  auto dataset = data::load_dataset(a.data).head(a.limit);
  ADVLAB_CHECK(dataset.size() > 0, "dataset ", a.data, " is empty");
  auto model = a.model.load(dataset);
  std::cerr << "training AdvGAN (" << (a.blackbox ? "black-box, dynamic distillation" : "semi-white-box") << ", "
            << a.norm << " eps " << a.eps << (a.target >= 0 ? c10::str(", target ", a.target) : ", untargeted")
            << ") against " << a.model.path << " on " << dataset.size() << " images from " << dataset.source << "\n";
  auto summary = gan::train_advgan(*model, dataset, options);
  models::save_module_atomic(summary.generator, a.out + "/generator.pt");
  auto json = summary.to_json();
  json["model"] = a.model.path;
  json["data"] = dataset.source;
  json["images"] = dataset.size();
  json["options"] = options.to_json();
  json["options"]["hinge_bound"] = options.effective_hinge_bound(dataset.images[0].numel());
  io::write_json_atomic(a.out + "/training.json", json);
  std::cout << "epochs: " << summary.history.size() << "\n"
            << "train success: " << std::fixed << std::setprecision(2) << 100.0 * json["train_success"].get<double>()
            << "%\n";
  if (a.blackbox) std::cout << "oracle queries: " << summary.queries << "\n";
  std::cout << "generator: " << a.out << "/generator.pt\n";
}

}  // namespace

void register_advgan_command(CLI::App& app) {
  auto* advgan = app.add_subcommand("advgan", "Train AdvGAN generators (use them with advlab attack --attack advgan)");
  advgan->require_subcommand(1);
  auto a = std::make_shared<AdvGanTrainArgs>();
  auto* cmd = advgan->add_subcommand("train", "train a perturbation generator against a model");
  a->model.add_to(*cmd);
  cmd->add_option("--data", a->data, "training images (dataset spec)")->capture_default_str();
  cmd->add_option("--eps", a->eps, "perturbation budget")->required();
  cmd->add_option("--norm", a->norm, "linf or l2")->capture_default_str();
  cmd->add_option("--target", a->target, "fixed target class (-1 = untargeted)")->capture_default_str();
  cmd->add_flag("--blackbox", a->blackbox, "black-box: dynamic distillation from the model's answers only");
  cmd->add_option("--epochs", a->epochs, "epochs over the data")->capture_default_str();
  cmd->add_option("--batch-size", a->batch_size, "images per step")->capture_default_str();
  cmd->add_option("--lr", a->lr, "Adam learning rate")->capture_default_str();
  cmd->add_option("--alpha", a->alpha, "GAN loss weight")->capture_default_str();
  cmd->add_option("--beta", a->beta, "hinge loss weight")->capture_default_str();
  cmd->add_option("--hinge-bound", a->hinge_bound, "hinge bound c on ||delta||_2 (0 = default for the norm)")
      ->capture_default_str();
  cmd->add_option("--kappa", a->kappa, "CW confidence")->capture_default_str();
  cmd->add_option("--distill-epochs", a->distill_epochs, "black-box: epochs of the initial distillation")
      ->capture_default_str();
  cmd->add_option("--limit", a->limit, "train on the first N images (0 = all)")->capture_default_str();
  cmd->add_option("--seed", a->seed, "seed for initialisation and shuffling")->capture_default_str();
  cmd->add_option("--out", a->out, "output directory")->required();
  cmd->add_flag("--resume", a->resume, "continue from OUT/checkpoint.pt if it exists");
  cmd->callback([a] { run_advgan_train(*a); });
}

}  // namespace advlab::cli
