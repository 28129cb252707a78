#pragma once
// The inverter of the natural adversarial attack (Zhao, Dua, Singh 2018): a network
// I: image -> latent trained against a frozen generator G so that I(x) is a latent whose
// image is close to x. Loss, per batch of real images x and prior samples z ~ N(0, I):
//   mean((G(I(x)) - x)^2) + lambda * mean((I(G(z)) - z)^2)
// (means over pixels and latent entries, as in the paper's code; lambda 0.1 there).
// Adam; a checkpoint after every epoch; resume continues to the bitwise same weights as
// an uninterrupted run, because each epoch's shuffle and prior samples come from
// generators seeded by (seed, epoch) alone.
#include "advlab/data/dataset.h"
#include "advlab/attacks/generative/latent_modules.h"

#include <torch/script.h>

#include <iosfwd>
#include <string>
#include <vector>

namespace advlab::gan {

// Strided convolutions (3x3, stride 2: 32, 64, 128 channels, leaky ReLU) + fc 256 +
// fc latent_dim, as a TorchScript module with the inverter file contract's attributes
// (architecture "conv-inverter"; num_classes, set by the shared builder, equals
// latent_dim). Weights drawn from `seed`. Returned in eval mode.
torch::jit::Module make_inverter(int64_t latent_dim, const std::vector<int64_t>& input_shape, uint64_t seed);

struct InverterTrainOptions {
  int64_t epochs = 5;
  int64_t batch_size = 64;
  double learning_rate = 1e-3;
  double lambda = 0.1;  // weight of the latent term
  uint64_t seed = 0;    // initial weights, shuffles, prior samples
  std::string checkpoint_path;  // written after each epoch; empty: none
  bool resume = false;          // continue from checkpoint_path if it exists
  std::ostream* progress = nullptr;
};

struct TrainedInverter {
  torch::jit::Module module;    // eval mode
  int64_t epochs_completed = 0;
  double last_epoch_loss = 0;   // mean total loss over the last epoch run (0 if none ran)
};

// Trains an inverter for `generator` (kept frozen) on data.images, which must have the
// generator's output shape. Throws advlab::Error for bad options or mismatched shapes,
// or a checkpoint from another seed, batch size, lambda or generator architecture.
TrainedInverter train_inverter(LatentGenerator& generator, const data::Dataset& data,
                               const InverterTrainOptions& options);

// Mean over images of the squared L2 error ||G(I(x)) - x||^2 (sum over pixels).
double reconstruction_error(LatentGenerator& generator, LatentInverter& inverter, const torch::Tensor& images,
                            int64_t batch_size = 256);

}  // namespace advlab::gan
