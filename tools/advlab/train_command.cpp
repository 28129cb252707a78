// advlab train: fits a built-in architecture to a dataset and writes a TorchScript model.
// Checkpoints go to OUT.ckpt after every epoch; --resume continues from there exactly.
#include "advlab/core/error.h"
#include "advlab/data/load.h"
#include "advlab/dist/group.h"
#include "advlab/defenses/adversarial_training.h"
#include "advlab/models/architectures.h"
#include "advlab/models/data_parallel.h"
#include "advlab/models/module_file.h"
#include "advlab/models/trainer.h"
#include "commands.h"
#include "output_path.h"

#include <c10/util/StringUtil.h>

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <iostream>
#include <memory>

namespace advlab::cli {

namespace {

struct TrainArgs {
  std::string data = "fashion-mnist:train";
  std::string arch = "small-cnn";
  int64_t epochs = 3;
  int64_t batch_size = 128;
  double lr = 1e-3;
  uint64_t seed = 0;
  int64_t limit = 0;
  std::string out = "model.pt";
  bool resume = false;
  std::string device = "cpu";
  // Adversarial training (empty method = plain training).
  std::string adversarial;
  double eps = 0;
  std::string norm = "linf";
  int64_t attack_steps = 10;
  double attack_step_size = 0;
  double trades_beta = 6.0;
};

std::shared_ptr<models::TrainObjective> make_objective(const TrainArgs& args) {
  if (args.adversarial.empty()) return nullptr;
  return defenses::make_adversarial_objective(defenses::AdversarialTrainingOptions(args.adversarial, args.eps)
                                                  .norm(args.norm)
                                                  .steps(args.attack_steps)
                                                  .step_size(args.attack_step_size)
                                                  .beta(args.trades_beta));
}

// Accuracy of the trained model on its training set. Distributed, each rank counts its
// share and the counts are summed (every rank holds the same weights): a pass over all
// 60,000 images on rank 0 alone was seconds the others spent waiting.
double training_accuracy(torch::jit::Module& module, const data::Dataset& dataset, dist::Group* group) {
  if (!group) return models::evaluate_accuracy(module, dataset);
  auto share = models::local_share(torch::arange(dataset.size(), torch::kLong), *group);
  const double correct = share.size(0) > 0
                             ? std::round(models::evaluate_accuracy(module, dataset.select(share)) * static_cast<double>(share.size(0)))
                             : 0.0;
  std::vector<torch::Tensor> sums{torch::tensor({correct}, torch::kDouble)};
  group->all_reduce_sum(sums);
  return sums[0].item<double>() / static_cast<double>(dataset.size());
}

void run_train(const TrainArgs& args, dist::Group* group) {
  const bool root = !group || group->is_root();
  ADVLAB_CHECK(args.epochs >= 1, "--epochs must be >= 1, got ", args.epochs);
  ADVLAB_CHECK(args.batch_size >= 1, "--batch-size must be >= 1, got ", args.batch_size);
  ADVLAB_CHECK(args.lr > 0, "--lr must be > 0, got ", args.lr);
  ADVLAB_CHECK(args.limit >= 0, "--limit must be >= 0, got ", args.limit);
  check_output_file("--out", args.out);
  // One device per local rank: --device cuda becomes cuda:LOCAL_RANK under torchrun/srun.
  const std::string device_name =
      group && args.device == "cuda" ? "cuda:" + std::to_string(group->launch().local_rank) : args.device;
  torch::Device device(torch::kCPU);
  try {
    device = torch::Device(device_name);
  } catch (const std::exception&) {
    throw Error("invalid --device '" + args.device + "' (expected cpu, cuda or cuda:N)");
  }
  ADVLAB_CHECK(!device.is_cuda() || torch::cuda::is_available(), "--device '", args.device,
               "' requested but CUDA is not available here (no GPU, or a CPU-only LibTorch)");

  auto objective = make_objective(args);  // bad adversarial settings fail before any work
  // An unknown architecture should fail before a whole dataset is read.
  auto names = models::architecture_names();
  ADVLAB_CHECK(std::find(names.begin(), names.end(), args.arch) != names.end(),
               "unknown architecture '", args.arch, "'; known: ", c10::Join(", ", names));
  auto dataset = data::load_dataset(args.data).head(args.limit);
  ADVLAB_CHECK(dataset.size() > 0, "dataset ", args.data, " is empty");
  models::ArchitectureOptions arch;
  arch.in_channels = dataset.images.size(1);
  arch.height = dataset.images.size(2);
  arch.width = dataset.images.size(3);
  arch.num_classes = dataset.num_classes;
  arch.seed = args.seed;
  auto module = models::make_architecture(args.arch, arch);
  module.to(device);  // the trainer computes where the module is
  if (group && device.is_cuda()) group->use_cuda(device.has_index() ? device.index() : 0);

  models::TrainOptions options;
  options.epochs = args.epochs;
  options.batch_size = args.batch_size;
  options.learning_rate = args.lr;
  options.seed = args.seed;
  options.checkpoint_path = args.out + ".ckpt";
  options.resume = args.resume;
  options.progress = root ? &std::cerr : nullptr;
  options.objective = objective;
  options.group = group;

  if (root)
    std::cerr << "training " << args.arch << " on " << dataset.size() << " images from "
            << dataset.source << " (" << arch.in_channels << "x" << arch.height << "x" << arch.width
            << ", " << arch.num_classes << " classes)"
            << (objective ? ", objective " + objective->describe() : std::string())
            << (group ? c10::str(", ", group->size(), " processes") : std::string()) << "\n";
  auto summary = models::train_classifier(module, dataset, options);
  const double accuracy = training_accuracy(module, dataset, group);
  if (!root) return;  // rank 0 writes the model
  module.to(torch::kCPU);  // a model file that opens anywhere, GPU or not
  models::save_module_atomic(module, args.out);
  std::cout << "epochs: " << summary.epochs_completed << "\n"
            << "train accuracy: " << std::fixed << std::setprecision(2) << 100.0 * accuracy << "%\n"
            << "model: " << args.out << "\n";
}

}  // namespace

void register_train_command(CLI::App& app) {
  auto args = std::make_shared<TrainArgs>();
  auto* cmd = app.add_subcommand("train", "train a built-in architecture, write a TorchScript model");
  cmd->add_option("--data", args->data, "dataset spec (fashion-mnist:train|test, idx:..., cifar10:DIR:train, folder:DIR)")
      ->capture_default_str();
  cmd->add_option("--arch", args->arch, "architecture: " + c10::Join(", ", models::architecture_names()))
      ->capture_default_str();
  cmd->add_option("--epochs", args->epochs, "number of epochs (>= 1)")->capture_default_str();
  cmd->add_option("--batch-size", args->batch_size, "images per step")->capture_default_str();
  cmd->add_option("--lr", args->lr, "Adam learning rate (> 0)")->capture_default_str();
  cmd->add_option("--seed", args->seed, "seed for initialisation and shuffling")->capture_default_str();
  cmd->add_option("--limit", args->limit, "train on the first N samples (0 = all)")->capture_default_str();
  cmd->add_option("--out", args->out, "output model file; checkpoints go to OUT.ckpt")->capture_default_str();
  cmd->add_flag("--resume", args->resume, "continue from OUT.ckpt if it exists");
  cmd->add_option("--device", args->device,
                  "cpu, cuda or cuda:N; under torchrun or srun, cuda is cuda:LOCAL_RANK and the gradients are "
                  "summed over NCCL where the build has it")
      ->capture_default_str();
  cmd->add_option("--adversarial", args->adversarial, "adversarial training: pgd | trades | fgsm-rs");
  cmd->add_option("--eps", args->eps, "adversarial training budget (with --adversarial)");
  cmd->add_option("--norm", args->norm, "adversarial training norm: linf, l2, l1")->capture_default_str();
  cmd->add_option("--attack-steps", args->attack_steps, "inner attack steps (pgd, trades)")->capture_default_str();
  cmd->add_option("--attack-step-size", args->attack_step_size,
                  "inner step size (0 = 2.5*eps/steps; fgsm-rs 1.25*eps)")->capture_default_str();
  cmd->add_option("--trades-beta", args->trades_beta, "TRADES robustness weight")->capture_default_str();
  cmd->callback([args] {
    // Under torchrun or srun the ranks train data-parallel (--batch-size is the global batch).
    auto group = dist::join_from_env();
    dist::run_as_rank(group.get(), [&] { run_train(*args, group.get()); });
  });
}

}  // namespace advlab::cli
