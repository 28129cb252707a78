#include "advlab/models/trainer.h"

#include "advlab/core/error.h"
#include "advlab/core/seed_mix.h"
#include "advlab/models/data_parallel.h"
#include "checkpoint.h"
#include "progress_meter.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

#include <cmath>
#include <filesystem>

namespace advlab::models {

namespace {

using EvalModeGuard = ModuleEvalScope;

void check_dataset(const data::Dataset& d, const char* what) {
  ADVLAB_CHECK(d.size() > 0, what, " is empty");
  ADVLAB_CHECK(d.images.dim() == 4, what, " images must be [N, C, H, W], got ", d.images.sizes());
  ADVLAB_CHECK(d.labels.dim() == 1 && d.labels.size(0) == d.size(), what, " has ", d.size(),
               " images but labels of shape ", d.labels.sizes());
}

void check_options(const TrainOptions& o) {
  ADVLAB_CHECK(o.epochs >= 1, "epochs must be >= 1, got ", o.epochs);
  ADVLAB_CHECK(o.batch_size >= 1, "batch size must be >= 1, got ", o.batch_size);
  ADVLAB_CHECK(o.learning_rate > 0, "learning rate must be > 0, got ", o.learning_rate);
  ADVLAB_CHECK(!o.resume || !o.checkpoint_path.empty(), "resume needs a checkpoint path");
}

// SplitMix64: turns (seed, epoch) into well-spread generator seeds, so each epoch's order
// depends on nothing but those two numbers and a resumed run shuffles exactly as before.
uint64_t epoch_seed(uint64_t seed, int64_t epoch) {
  return derived_seed(seed, epoch);
}

torch::Device module_device(const torch::jit::Module& module) {
  for (const auto& p : module.parameters()) return p.device();
  return torch::kCPU;
}

torch::Tensor forward(torch::jit::Module& module, const torch::Tensor& x) {
  return module.forward({x}).toTensor();
}

// Weights can overflow to inf while the loss still reads finite; such a model is no result.
void check_finite_parameters(const torch::jit::Module& module, int64_t epoch, double learning_rate) {
  torch::NoGradGuard no_grad;
  for (const auto& p : module.named_parameters())
    ADVLAB_CHECK(torch::isfinite(p.value).all().item<bool>(), "training diverged in epoch ", epoch + 1,
                 ": parameter '", p.name, "' holds NaN or inf (learning rate ", learning_rate,
                 " too large?); no model was saved from this epoch");
}

std::vector<torch::Tensor> parameters_of(const torch::optim::Optimizer& optimizer) {
  std::vector<torch::Tensor> out;
  for (const auto& group : optimizer.param_groups())
    for (const auto& p : group.params()) out.push_back(p);
  return out;
}

struct EpochResult {
  double loss = 0;
  double accuracy = 0;
};

EpochResult train_one_epoch(torch::jit::Module& module, torch::optim::Optimizer& optimizer,
                            const data::Dataset& train_set, const TrainOptions& options,
                            int64_t epoch) {
  const int64_t n = train_set.size();
  const auto device = module_device(module);
  auto order = torch::randperm(n, at::detail::createCPUGenerator(epoch_seed(options.seed, epoch)),
                               torch::kLong);
  const int64_t steps = (n + options.batch_size - 1) / options.batch_size;
  ProgressMeter meter(options.progress, epoch + 1, options.epochs, steps);
  auto objective = options.objective ? options.objective : std::make_shared<CrossEntropyObjective>();
  // Seeded per epoch (apart from the shuffle's stream) so resume reproduces it exactly.
  // Each rank draws its own stream (rank 0's is a single process's).
  const uint64_t stream = options.group ? static_cast<uint64_t>(options.group->rank()) : 0;
  auto objective_gen = at::detail::createCPUGenerator(derived_seed(options.seed ^ 0x5DEECE66DULL, epoch, stream));

  module.train(true);
  for (int64_t start = 0; start < n; start += options.batch_size) {
    auto index = order.slice(0, start, std::min(start + options.batch_size, n));
    const int64_t batch = index.size(0);
    if (options.group) index = local_share(index, *options.group);
    if (options.group && index.size(0) == 0) {  // a last batch smaller than the job: nothing here
      optimizer.zero_grad();
      std::vector<torch::Tensor> stats{torch::zeros({3}, torch::kDouble)};
      all_reduce_gradients(parameters_of(optimizer), 0, batch, stats, *options.group);
      optimizer.step();
      auto s = stats[0];
      meter.update(s[2].item<int64_t>(), s[0].item<double>() / s[2].item<double>(), s[1].item<int64_t>());
      continue;
    }
    auto x = train_set.images.index_select(0, index).to(device, torch::kFloat32);
    auto y = train_set.labels.index_select(0, index).to(device, torch::kLong);
    if (options.batch_transform) {
      EvalModeGuard eval(module);
      auto replaced = options.batch_transform(module, x, y);
      ADVLAB_CHECK(replaced.sizes() == x.sizes(), "batch_transform returned shape ",
                   replaced.sizes(), " for a batch of shape ", x.sizes());
      x = replaced.detach().to(device, torch::kFloat32);
    }
    optimizer.zero_grad();
    auto out = (*objective)(module, x, y, objective_gen);
    const double loss = out.loss.item<double>();
    // Stop before the step: a NaN loss would make every weight NaN, and the last
    // checkpoint (from the previous epoch) stays as it was.
    ADVLAB_CHECK(std::isfinite(loss), "training diverged in epoch ", epoch + 1, ": the loss is ", loss,
                 " (learning rate ", options.learning_rate, " too large?); no model was saved from this epoch");
    out.loss.backward();
    int64_t seen = x.size(0), correct = (out.logits.argmax(1) == y).sum().item<int64_t>();
    double mean_loss = loss;
    if (options.group) {  // the whole job's step: gradients and counts summed over the ranks
      std::vector<torch::Tensor> stats{torch::tensor({loss * static_cast<double>(seen), static_cast<double>(correct),
                                                      static_cast<double>(seen)}, torch::kDouble)};
      all_reduce_gradients(parameters_of(optimizer), seen, batch, stats, *options.group);
      seen = stats[0][2].item<int64_t>();
      correct = stats[0][1].item<int64_t>();
      mean_loss = stats[0][0].item<double>() / static_cast<double>(seen);
    }
    optimizer.step();
    meter.update(seen, mean_loss, correct);
  }
  check_finite_parameters(module, epoch, options.learning_rate);
  meter.finish();
  return {meter.mean_loss(), meter.accuracy()};
}

}  // namespace

TrainSummary train_classifier(torch::jit::Module& module, const data::Dataset& train_set,
                              const TrainOptions& options) {
  check_options(options);
  check_dataset(train_set, "training set");

  std::vector<torch::Tensor> parameters;
  for (const auto& p : module.parameters()) parameters.push_back(p.requires_grad_(true));
  ADVLAB_CHECK(!parameters.empty(), "the model has no parameters to train");
  torch::optim::Adam optimizer(parameters, torch::optim::AdamOptions(options.learning_rate));

  TrainState state;
  state.seed = options.seed;
  state.batch_size = options.batch_size;
  state.objective = options.objective ? options.objective->describe() : "cross-entropy";
  state.data = c10::str(train_set.size(), " images, crc32 ", train_set.content_crc32());
  const std::string data = state.data;
  if (options.resume && std::filesystem::exists(options.checkpoint_path)) {
    state = load_checkpoint(options.checkpoint_path, module, optimizer);
    // Another seed or batch size would silently break "resumed == uninterrupted".
    ADVLAB_CHECK(state.seed == options.seed, "checkpoint ", options.checkpoint_path,
                 " was trained with seed ", state.seed, ", not ", options.seed);
    ADVLAB_CHECK(state.batch_size == options.batch_size, "checkpoint ", options.checkpoint_path,
                 " was trained with batch size ", state.batch_size, ", not ", options.batch_size);
    auto objective = options.objective ? options.objective->describe() : "cross-entropy";
    ADVLAB_CHECK(state.objective == objective, "checkpoint ", options.checkpoint_path,
                 " was trained with objective ", state.objective, ", not ", objective);
    ADVLAB_CHECK(state.data.empty() || state.data == data, "checkpoint ", options.checkpoint_path,
                 " was trained on other data (", state.data, "), not on this data (", data,
                 "): start afresh without --resume, or use the same --data and --limit");
    state.data = data;
  }

  if (options.group) {
    // Adam's state is not broadcast: every rank must have resumed the same checkpoint.
    auto epochs = options.group->all_gather(std::to_string(state.epochs_completed));
    for (size_t r = 0; r < epochs.size(); ++r)
      ADVLAB_CHECK(epochs[r] == epochs[0], "distributed: rank ", r, " resumed at epoch ", epochs[r], " but rank 0 at ",
                   epochs[0], " (--resume needs ", options.checkpoint_path, " on a file system all ranks share)");
    // Every rank starts from rank 0's weights.
    broadcast_module(module, *options.group);
  }
  for (int64_t epoch = state.epochs_completed; epoch < options.epochs; ++epoch) {
    auto result = train_one_epoch(module, optimizer, train_set, options, epoch);
    state.epochs_completed = epoch + 1;
    state.last_epoch_loss = result.loss;
    state.last_epoch_accuracy = result.accuracy;
    if (!options.checkpoint_path.empty() && (!options.group || options.group->is_root())) {
      save_checkpoint(options.checkpoint_path, module, optimizer, state);
    }
  }
  module.eval();

  TrainSummary summary;
  summary.epochs_completed = state.epochs_completed;
  summary.last_epoch_loss = state.last_epoch_loss;
  summary.last_epoch_accuracy = state.last_epoch_accuracy;
  return summary;
}

double evaluate_accuracy(torch::jit::Module& module, const data::Dataset& dataset,
                         int64_t batch_size) {
  check_dataset(dataset, "evaluation set");
  ADVLAB_CHECK(batch_size >= 1, "batch size must be >= 1, got ", batch_size);
  EvalModeGuard eval(module);
  torch::NoGradGuard no_grad;
  const auto device = module_device(module);
  int64_t correct = 0;
  for (int64_t start = 0; start < dataset.size(); start += batch_size) {
    auto x = dataset.images.slice(0, start, start + batch_size).to(device, torch::kFloat32);
    auto y = dataset.labels.slice(0, start, start + batch_size).to(device, torch::kLong);
    correct += (forward(module, x).argmax(1) == y).sum().item<int64_t>();
  }
  return static_cast<double>(correct) / static_cast<double>(dataset.size());
}

}  // namespace advlab::models
