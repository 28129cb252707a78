#pragma once
// The two latent-space networks of the natural adversarial attack, loaded from their
// TorchScript files and checked against their contracts (see docs/attacks/natural.md):
//   generator  forward(z [N, latent_dim]) -> images [N, C, H, W] in [0, 1]; attributes
//              latent_dim (int), output_shape (List[int] [C, H, W]), architecture (str);
//              the latent prior is the standard normal.
//   inverter   forward(x [N, C, H, W]) -> latents [N, latent_dim]; attributes latent_dim,
//              input_shape (List[int] [C, H, W]), architecture.
// Loading runs one probe through the module, so a file whose forward disagrees with its
// declared shapes is refused at once with a one-line advlab::Error.
#include <torch/script.h>

#include <string>
#include <vector>

namespace advlab::gan {

struct LatentGenerator {
  torch::jit::Module module;  // eval mode, parameters frozen (requires_grad off)
  int64_t latent_dim = 0;
  std::vector<int64_t> output_shape;  // [C, H, W]
  std::string architecture;
  std::string path;

  // Images [N, C, H, W] for z [N, latent_dim] (on the module's device). Differentiable
  // with respect to z when grad mode is on.
  torch::Tensor operator()(const torch::Tensor& z);
  // Moves the module (in place) to `device` if it is elsewhere.
  void to(torch::Device device);
};

struct LatentInverter {
  torch::jit::Module module;  // eval mode
  int64_t latent_dim = 0;
  std::vector<int64_t> input_shape;  // [C, H, W]
  std::string architecture;
  std::string path;

  // Latents [N, latent_dim] for x [N, C, H, W].
  torch::Tensor operator()(const torch::Tensor& x);
  void to(torch::Device device);
};

// Throw advlab::Error for a missing or unreadable file, a missing or malformed
// attribute, or a forward whose output disagrees with the attributes.
LatentGenerator load_latent_generator(const std::string& path);
LatentInverter load_latent_inverter(const std::string& path);
// Contract checks on modules already in memory (`name` stands for the path in errors).
LatentGenerator as_latent_generator(torch::jit::Module module, const std::string& name);
LatentInverter as_latent_inverter(torch::jit::Module module, const std::string& name);

// Throws advlab::Error unless the inverter reads the generator's images and returns its
// latents (same latent_dim, input_shape == output_shape).
void check_inverter_fits(const LatentGenerator& generator, const LatentInverter& inverter);

}  // namespace advlab::gan
