#pragma once
// Supervised training of a TorchScript classifier with Adam, a progress line, a
// checkpoint each epoch and exact resume (same seed, same result, interrupted or not).
#include "advlab/data/dataset.h"
#include "advlab/models/train_objective.h"

#include <torch/script.h>

#include <functional>
#include <iosfwd>
#include <memory>
#include <string>

namespace advlab::dist {
class Group;
}

namespace advlab::models {

struct TrainOptions {
  int64_t epochs = 3;
  int64_t batch_size = 128;
  double learning_rate = 1e-3;
  uint64_t seed = 0;
  // Written after every epoch, atomically: a TorchScript archive of the module (so it opens
  // as a model) holding the Adam state and the epoch count as extra files. Empty: none.
  std::string checkpoint_path;
  // Continue from checkpoint_path if it exists (seed and batch size must match it); the
  // result is bitwise the same as an uninterrupted run.
  bool resume = false;
  std::ostream* progress = nullptr;  // progress line (loss, accuracy, images/s, ETA)
  // Optional: replaces each training batch before the step (adversarial training hooks
  // in here). Receives the module in eval mode, returns the inputs to train on.
  std::function<torch::Tensor(torch::jit::Module&, const torch::Tensor& x, const torch::Tensor& y)>
      batch_transform;
  // What each step minimises; null = cross-entropy on the (transformed) batch.
  std::shared_ptr<TrainObjective> objective;
  // Set: data-parallel over the job's ranks (data_parallel.h); batch_size is the global
  // batch, rank 0 alone writes checkpoints and should print progress.
  dist::Group* group = nullptr;
};

struct TrainSummary {
  int64_t epochs_completed = 0;
  double last_epoch_loss = 0;
  double last_epoch_accuracy = 0;  // on the training batches, in train mode
};

TrainSummary train_classifier(torch::jit::Module& module, const data::Dataset& train_set,
                              const TrainOptions& options);

// Top-1 accuracy of the module (eval mode) on a dataset.
double evaluate_accuracy(torch::jit::Module& module, const data::Dataset& dataset,
                         int64_t batch_size = 256);

}  // namespace advlab::models
