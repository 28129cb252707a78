#pragma once
// DCGAN networks (Radford, Metz & Chintala 2016) for C x H x W images with H and W
// divisible by 4, built as TorchScript modules so they save with torch::jit and open in
// PyTorch.
//   generator      z [N, latent_dim] -> linear -> [g0, H/4, W/4] -> BN, ReLU
//                  -> conv-transpose (k4 s2) to g1 channels at H/2 -> BN, ReLU
//                  -> conv-transpose (k4 s2) to C channels at H -> sigmoid, in [0, 1]
//   discriminator  x -> conv (k4 s2) d0, LeakyReLU 0.2 -> conv (k4 s2) d1 [-> BN]
//                  -> LeakyReLU 0.2 -> linear -> one score per image [N]
// The discriminator's batch norm is optional: the WGAN-GP critic must not use it (its
// gradient penalty is per sample, batch norm couples the samples of a batch).
// The generator follows the GAN generator file contract: attributes latent_dim (int),
// output_shape (List[int], [C, H, W]) and architecture ("dcgan-generator").
#include <torch/script.h>

#include <cstdint>
#include <string>

namespace advlab::gan {

struct DcganOptions {
  int64_t channels = 1;  // image shape C x H x W
  int64_t height = 28;
  int64_t width = 28;
  int64_t latent_dim = 64;
  int64_t generator_width = 128;      // g0; g1 = g0 / 2
  int64_t discriminator_width = 64;   // d0; d1 = 2 * d0
  bool discriminator_batch_norm = true;
  // "dcgan": weights N(0, 0.02), batch-norm scales N(1, 0.02), biases 0 (the paper's);
  // "default": PyTorch's default initialisation.
  std::string init = "dcgan";
  uint64_t seed = 0;
};

// Both throw advlab::Error naming the bad value (shape not divisible by 4, sizes < 1).
torch::jit::Module make_dcgan_generator(const DcganOptions& options);
torch::jit::Module make_dcgan_discriminator(const DcganOptions& options);

}  // namespace advlab::gan
