#include "advlab/gan/generator_file.h"

#include "advlab/core/error.h"
#include "advlab/core/torch_error_line.h"
#include "advlab/io/zip_check.h"

#include <torch/torch.h>

#include <fstream>

namespace advlab::gan {

GeneratorFile check_generator(torch::jit::Module module, const std::string& what) {
  GeneratorFile g;
  for (const char* attr : {"latent_dim", "output_shape", "architecture"})
    ADVLAB_CHECK(module.hasattr(attr), what, " is not a GAN generator: it has no '", attr,
                 "' attribute (expected latent_dim, output_shape, architecture)");
  auto latent = module.attr("latent_dim");
  auto shape = module.attr("output_shape");
  auto arch = module.attr("architecture");
  ADVLAB_CHECK(latent.isInt() && latent.toInt() >= 1, what, ": latent_dim must be a positive int");
  ADVLAB_CHECK(shape.isIntList() && shape.toIntVector().size() == 3, what,
               ": output_shape must be a list of 3 ints [C, H, W]");
  ADVLAB_CHECK(arch.isString(), what, ": architecture must be a string");
  g.latent_dim = latent.toInt();
  g.output_shape = shape.toIntVector();
  g.architecture = arch.toStringRef();
  module.eval();
  g.module = std::move(module);
  torch::Tensor out;
  try {
    out = generate(g, torch::zeros({2, g.latent_dim}));
  } catch (const std::exception& e) {
    std::string msg = torch_error_line(e.what());
    throw Error(c10::str(what, ": forward(z) failed for z of shape [2, ", g.latent_dim,
                         "]: ", msg.substr(0, msg.find('\n'))));
  }
  std::vector<int64_t> expected{2};
  expected.insert(expected.end(), g.output_shape.begin(), g.output_shape.end());
  ADVLAB_CHECK(out.sizes().vec() == expected, what, ": forward(z) returned shape ", out.sizes(),
               ", its output_shape attribute says ", c10::IntArrayRef(expected));
  return g;
}

GeneratorFile load_generator(const std::string& path) {
  ADVLAB_CHECK(std::ifstream(path).good(), "generator file not found or unreadable: ", path);
  torch::jit::Module module;
  io::verify_zip_checksums(path);  // torch does not check the archive's CRCs
  try {
    module = torch::jit::load(path, torch::kCPU);
  } catch (const std::exception&) {
    throw Error(c10::str("generator file is not a TorchScript archive (corrupt or wrong format): ", path));
  }
  return check_generator(std::move(module), "generator " + path);
}

torch::Tensor generate(GeneratorFile& generator, const torch::Tensor& z, int64_t batch_size) {
  ADVLAB_CHECK(z.dim() == 2 && z.size(1) == generator.latent_dim, "generator: latents must be [N, ",
               generator.latent_dim, "], got ", z.sizes());
  torch::NoGradGuard no_grad;
  bool was_training = generator.module.is_training();
  generator.module.eval();
  std::vector<torch::Tensor> parts;
  for (int64_t i = 0; i < z.size(0); i += batch_size) {
    auto batch = z.slice(0, i, std::min(i + batch_size, z.size(0))).to(torch::kFloat32);
    parts.push_back(generator.module.forward({batch}).toTensor());
  }
  if (was_training) generator.module.train(true);
  return torch::cat(parts);
}

torch::Tensor sample_latents(int64_t n, int64_t latent_dim, at::Generator rng) {
  ADVLAB_CHECK(n >= 1, "number of samples must be >= 1, got ", n);
  return torch::randn({n, latent_dim}, rng, torch::kFloat32);
}

}  // namespace advlab::gan
