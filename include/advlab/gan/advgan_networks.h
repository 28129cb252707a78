#pragma once
// AdvGAN's networks (Xiao et al. 2018), built as TorchScript modules.
//   generator      image -> perturbation delta (same shape), already inside the budget:
//                  conv 8 (stride 1), conv 16 and 32 (stride 2), two residual blocks at 32,
//                  nearest upsampling + conv 16, + conv 8, conv to the input channels, each
//                  hidden conv with instance norm and ReLU. About as costly as one forward
//                  of small-cnn, so an attack is one cheap pass per image.
//                  L-inf: delta = eps * tanh(h); L2: delta = tanh(h) scaled onto the
//                  L2 ball of radius eps when it is larger.
//   discriminator  conv 8, 16, 32 (4x4, stride 2, LeakyReLU 0.2) + fc -> one score
//                  (LSGAN: real -> 1, perturbed -> 0).
// Generator file contract (read by attacks/generative/perturbation_generator.h): forward(x [N,C,H,W]) -> delta [N,C,H,W]; attributes eps (float),
// norm (str), target (int, -1 = untargeted), input_shape (List[int]), architecture
// ("advgan-generator"); saved in eval mode.
#include <torch/script.h>

#include <string>
#include <vector>

namespace advlab::gan {

struct AdvGanNetworkOptions {
  std::vector<int64_t> input_shape{1, 28, 28};  // [C, H, W]
  double eps = 0.1;
  std::string norm = "linf";  // linf | l2
  int64_t target = -1;        // fixed target class, -1 = untargeted
  int64_t num_classes = 10;   // of the model the generator attacks
  uint64_t seed = 0;          // parameter initialisation
};

// Throws advlab::Error for a bad shape, eps <= 0 or not finite, or a norm other than linf/l2.
torch::jit::Module make_advgan_generator(const AdvGanNetworkOptions& options);
torch::jit::Module make_advgan_discriminator(const AdvGanNetworkOptions& options);

}  // namespace advlab::gan
