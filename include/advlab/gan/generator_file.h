#pragma once
// The GAN generator file contract: a TorchScript module whose forward(z [N, latent_dim])
// returns images [N, C, H, W] in [0, 1], with attributes latent_dim (int), output_shape
// (List[int], [C, H, W]) and architecture (str); saved in eval mode; latent prior N(0, I).
#include <ATen/core/Generator.h>
#include <torch/script.h>

#include <cstdint>
#include <string>
#include <vector>

namespace advlab::gan {

struct GeneratorFile {
  torch::jit::Module module;
  int64_t latent_dim = 0;
  std::vector<int64_t> output_shape;  // [C, H, W]
  std::string architecture;
};

// Loads and checks the contract (attributes, one probe forward pass of the right shape).
// Throws advlab::Error naming the file and the problem.
GeneratorFile load_generator(const std::string& path);
// Checks an in-memory module the same way (what = name used in messages).
GeneratorFile check_generator(torch::jit::Module module, const std::string& what);

// Images for latents z [N, latent_dim], in eval mode, without gradients, in batches.
torch::Tensor generate(GeneratorFile& generator, const torch::Tensor& z, int64_t batch_size = 500);
// n latents from the standard normal prior, drawn from `rng`.
torch::Tensor sample_latents(int64_t n, int64_t latent_dim, at::Generator rng);

}  // namespace advlab::gan
