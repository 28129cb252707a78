#pragma once
// A training checkpoint is one TorchScript archive, so it stays usable as a model (attack
// it, open it with torch.jit.load) and is replaced atomically as a whole. Besides the
// module's weights and buffers it holds two extra files:
//   advlab/train_state.json  epochs completed, seed, batch size, the data trained on, last
//                            epoch's loss/accuracy
//   advlab/optimizer.pt      the optimizer's state (torch::serialize archive: Adam moments
//                            and step counts)
#include <torch/optim/optimizer.h>
#include <torch/script.h>

#include <cstdint>
#include <string>

namespace advlab::models {

struct TrainState {
  int64_t epochs_completed = 0;
  uint64_t seed = 0;
  int64_t batch_size = 0;
  double last_epoch_loss = 0;
  double last_epoch_accuracy = 0;
  std::string objective = "cross-entropy";  // TrainObjective::describe()
  std::string data;  // "N images, crc32 X" (empty in checkpoints older than this field)
};

void save_checkpoint(const std::string& path, const torch::jit::Module& module,
                     const torch::optim::Optimizer& optimizer, const TrainState& state);

// Copies the checkpoint's parameters and buffers into `module` (names and shapes must
// match) and its state into `optimizer`; returns the training state. Throws advlab::Error
// for a file that is not an advlab checkpoint or does not fit the module.
TrainState load_checkpoint(const std::string& path, torch::jit::Module& module,
                           torch::optim::Optimizer& optimizer);

}  // namespace advlab::models
