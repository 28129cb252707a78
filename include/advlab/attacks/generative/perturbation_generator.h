#pragma once
// A trained perturbation generator (AdvGAN, Xiao et al. 2018) as the attack sees it: a
// TorchScript file whose forward(x [N,C,H,W]) returns delta [N,C,H,W] already inside its
// budget, with attributes eps (float), norm (str), target (int, -1 = untargeted) and
// input_shape (List[int]). gan/advgan_networks builds and trains such modules; the attack
// only reads the file, so attacks/ needs nothing from gan/.
#include <torch/script.h>

#include <string>
#include <vector>

namespace advlab::gan {

// A generator file read back, its contract checked.
struct AdvGanGenerator {
  torch::jit::Module module;
  double eps = 0;
  std::string norm;
  int64_t target = -1;
  std::vector<int64_t> input_shape;
};

// Throws advlab::Error for a missing file, a file that is not TorchScript, or a module
// without the AdvGAN generator attributes.
AdvGanGenerator load_advgan_generator(const std::string& path);

}  // namespace advlab::gan
