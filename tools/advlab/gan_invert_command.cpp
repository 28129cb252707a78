// advlab gan invert: trains an inverter (image -> latent) for a trained generator, as the
// natural adversarial attack needs (advlab attack --attack natural --generator G.pt
// --inverter I.pt). Checkpoints go to OUT.ckpt after every epoch; --resume continues
// from there to the same weights an uninterrupted run would reach.
#include "advlab/core/error.h"
#include "advlab/data/load.h"
#include "advlab/gan/inverter.h"
#include "advlab/attacks/generative/latent_modules.h"
#include "advlab/models/module_file.h"
#include "commands.h"
#include "output_path.h"

#include <iomanip>
#include <iostream>
#include <memory>

namespace advlab::cli {

namespace {

struct GanInvertArgs {
  std::string generator;
  std::string data = "fashion-mnist:train";
  int64_t epochs = 5;
  int64_t batch_size = 64;
  double lr = 1e-3;
  double lambda = 0.1;
  uint64_t seed = 0;
  int64_t limit = 0;
  std::string out = "inverter.pt";
  bool resume = false;
};

void run_gan_invert(const GanInvertArgs& args) {
  ADVLAB_CHECK(args.epochs >= 1, "--epochs must be >= 1, got ", args.epochs);
  ADVLAB_CHECK(args.batch_size >= 1, "--batch-size must be >= 1, got ", args.batch_size);
  ADVLAB_CHECK(args.lr > 0, "--lr must be > 0, got ", args.lr);
  ADVLAB_CHECK(args.lambda >= 0, "--lambda must be >= 0, got ", args.lambda);
  ADVLAB_CHECK(args.limit >= 0, "--limit must be >= 0, got ", args.limit);
  check_output_file("--out", args.out);
  auto generator = gan::load_latent_generator(args.generator);  // before reading any data
  auto dataset = data::load_dataset(args.data).head(args.limit);
  ADVLAB_CHECK(dataset.size() > 0, "dataset ", args.data, " is empty");

  gan::InverterTrainOptions options;
  options.epochs = args.epochs;
  options.batch_size = args.batch_size;
  options.learning_rate = args.lr;
  options.lambda = args.lambda;
  options.seed = args.seed;
  options.checkpoint_path = args.out + ".ckpt";
  options.resume = args.resume;
  options.progress = &std::cerr;
  std::cerr << "training an inverter for " << generator.path << " (" << generator.architecture << ", latent "
            << generator.latent_dim << ") on " << dataset.size() << " images from " << dataset.source << "\n";
  auto trained = gan::train_inverter(generator, dataset, options);
  models::save_module_atomic(trained.module, args.out);

  auto inverter = gan::as_latent_inverter(trained.module, args.out);
  auto sample = dataset.images.narrow(0, 0, std::min<int64_t>(dataset.size(), 1000));
  std::cout << "epochs: " << trained.epochs_completed << "\n"
            << "reconstruction error: " << std::setprecision(4)
            << gan::reconstruction_error(generator, inverter, sample)
            << " (mean ||G(I(x)) - x||^2 over " << sample.size(0) << " training images)\n"
            << "inverter: " << args.out << "\n";
}

}  // namespace

void register_gan_invert_command(CLI::App& gan) {
  auto args = std::make_shared<GanInvertArgs>();
  auto* cmd = gan.add_subcommand("invert", "train an inverter (image -> latent) for a generator (natural attack)");
  cmd->add_option("--generator", args->generator, "generator .pt (latent -> image)")->required();
  cmd->add_option("--data", args->data, "dataset spec (see README)")->capture_default_str();
  cmd->add_option("--epochs", args->epochs, "number of epochs (>= 1)")->capture_default_str();
  cmd->add_option("--batch-size", args->batch_size, "images per step")->capture_default_str();
  cmd->add_option("--lr", args->lr, "Adam learning rate (> 0)")->capture_default_str();
  cmd->add_option("--lambda", args->lambda, "weight of the latent term ||I(G(z)) - z||^2")->capture_default_str();
  cmd->add_option("--seed", args->seed, "seed for initialisation, shuffling and prior samples")->capture_default_str();
  cmd->add_option("--limit", args->limit, "train on the first N samples (0 = all)")->capture_default_str();
  cmd->add_option("--out", args->out, "output inverter file; checkpoints go to OUT.ckpt")->capture_default_str();
  cmd->add_flag("--resume", args->resume, "continue from OUT.ckpt if it exists");
  cmd->callback([args] { run_gan_invert(*args); });
}

}  // namespace advlab::cli
