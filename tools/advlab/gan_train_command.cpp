// advlab gan train: trains a DCGAN or WGAN-GP and writes, into --out DIR, the generator
// (GAN generator file contract), the discriminator, a checkpoint and per-epoch
// diagnostics (diagnostics.jsonl, samples/epoch-NNN.png; mode coverage and FID with --judge).
#include "advlab/core/error.h"
#include "advlab/data/load.h"
#include "advlab/gan/gan_trainer.h"
#include "advlab/gan/judge.h"
#include "commands.h"
#include "output_path.h"

#include <fstream>
#include <iostream>
#include <memory>

namespace advlab::cli {

namespace {

struct GanTrainArgs {
  std::string data = "fashion-mnist:train";
  std::string out;
  std::string judge;
  int64_t limit = 0;
  double lr_g = 0, lr_d = 0;  // when not given: the paper's value
  int64_t n_critic = 0;       // when not given: the paper's value
  gan::GanTrainOptions options;
};

void run_gan_train(GanTrainArgs& args, const CLI::App& cmd) {
  check_output_folder("--out", args.out);
  ADVLAB_CHECK(args.limit >= 0, "--limit must be >= 0, got ", args.limit);
  // Given values are checked as given (0 is not "the default"): resolve_gan_options
  // refuses what is out of range.
  auto options = args.options;
  options.out_dir = args.out;
  if (cmd.count("--lr-g")) options.lr_generator = args.lr_g;
  if (cmd.count("--lr-d")) options.lr_discriminator = args.lr_d;
  if (cmd.count("--n-critic")) options.n_critic = args.n_critic;
  options.progress = &std::cerr;
  gan::resolve_gan_options(options);  // bad values fail before any data is read
  ADVLAB_CHECK(args.judge.empty() || std::ifstream(args.judge).good(),
               "judge model not found or unreadable: ", args.judge);

  auto dataset = data::load_dataset(args.data).head(args.limit);
  ADVLAB_CHECK(dataset.size() >= 2, "dataset ", args.data, " has fewer than 2 images");
  std::vector<int64_t> shape{dataset.images.size(1), dataset.images.size(2), dataset.images.size(3)};
  if (!args.judge.empty()) options.judge = std::make_shared<gan::Judge>(gan::Judge::load(args.judge, shape));
  std::cerr << "training " << options.arch << " on " << dataset.size() << " images from "
            << dataset.source << " (" << shape[0] << "x" << shape[1] << "x" << shape[2] << ")"
            << (options.judge ? ", judge " + args.judge + " (features: " + options.judge->feature_kind() + ")"
                              : std::string(", no judge: no mode coverage or FID"))
            << "\n";
  auto summary = gan::train_gan(dataset, options);
  std::cout << "epochs: " << summary.epochs_completed << "\n"
            << "generator: " << summary.generator_path << "\n"
            << "discriminator: " << summary.discriminator_path << "\n"
            << "checkpoint: " << summary.checkpoint_path << "\n"
            << "diagnostics: " << summary.diagnostics_path << "\n";
  const auto& last = summary.last_diagnostics;
  if (last.is_object() && last.contains("fid") && !last["fid"].is_null()) {
    std::cout << "fid: " << last["fid"].get<double>() << " (" << last["fid_features"].get<std::string>()
              << " features)\n"
              << "classes covered: " << last["mode_coverage"]["covered"].get<int64_t>() << "/"
              << last["mode_coverage"]["classes"].get<int64_t>() << "\n";
  }
}

}  // namespace

void register_gan_train_command(CLI::App& gan) {
  auto args = std::make_shared<GanTrainArgs>();
  auto& o = args->options;
  auto* cmd = gan.add_subcommand("train", "train a DCGAN or WGAN-GP with per-epoch diagnostics");
  cmd->add_option("--data", args->data, "dataset spec (fashion-mnist:train|test, idx:..., cifar10:DIR:train, folder:DIR)")
      ->capture_default_str();
  cmd->add_option("--arch", o.arch, "dcgan | wgan-gp")->capture_default_str();
  cmd->add_option("--epochs", o.epochs, "number of epochs (>= 1)")->capture_default_str();
  cmd->add_option("--out", args->out, "output directory (generator.pt, discriminator.pt, checkpoint.pt, "
                                      "diagnostics.jsonl, samples/)")->required();
  cmd->add_option("--judge", args->judge, "classifier (TorchScript) for mode coverage and FID on its features");
  cmd->add_flag("--resume", o.resume, "continue from OUT/checkpoint.pt if it exists (same result as uninterrupted)");
  cmd->add_option("--seed", o.seed, "seed for initialisation, shuffling and latents")->capture_default_str();
  cmd->add_option("--limit", args->limit, "train on the first N images (0 = all)")->capture_default_str();
  cmd->add_option("--batch-size", o.batch_size, "images per discriminator step (>= 2)")->capture_default_str();
  cmd->add_option("--latent-dim", o.latent_dim, "latent dimension")->capture_default_str();
  cmd->add_option("--lr-g", args->lr_g, "generator Adam learning rate (default: 2e-4 dcgan, 1e-4 wgan-gp)");
  cmd->add_option("--lr-d", args->lr_d, "discriminator Adam learning rate (default: 2e-4 dcgan, 1e-4 wgan-gp)");
  cmd->add_option("--n-critic", args->n_critic, "wgan-gp critic steps per generator step (default 5)");
  cmd->add_option("--gp-lambda", o.gp_lambda, "wgan-gp gradient penalty weight")->capture_default_str();
  cmd->add_option("--diagnostic-samples", o.diagnostic_samples,
                  "generated (and real) images for coverage and FID each epoch")->capture_default_str();
  cmd->callback([args, cmd] { run_gan_train(*args, *cmd); });
}

}  // namespace advlab::cli
