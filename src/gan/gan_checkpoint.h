#pragma once
// A GAN training checkpoint is one TorchScript archive of the generator (so it opens as a
// generator) with extra files:
//   advlab/gan_state.json        epochs completed, options that must match on resume, ...
//   advlab/discriminator.pt      the discriminator, itself a TorchScript archive
//   advlab/optimizer_g.pt, advlab/optimizer_d.pt   the Adam states
#include <nlohmann/json.hpp>
#include <torch/optim/optimizer.h>
#include <torch/script.h>

#include <string>

namespace advlab::gan {

void save_gan_checkpoint(const std::string& path, const torch::jit::Module& generator,
                         const torch::jit::Module& discriminator,
                         const torch::optim::Optimizer& optimizer_g,
                         const torch::optim::Optimizer& optimizer_d, const nlohmann::json& state);

// Copies weights and buffers into the modules (names and shapes must match), the Adam
// states into the optimizers; returns the state. Throws advlab::Error for a file that is not
// a GAN checkpoint or does not fit.
nlohmann::json load_gan_checkpoint(const std::string& path, torch::jit::Module& generator,
                                   torch::jit::Module& discriminator,
                                   torch::optim::Optimizer& optimizer_g,
                                   torch::optim::Optimizer& optimizer_d);

}  // namespace advlab::gan
