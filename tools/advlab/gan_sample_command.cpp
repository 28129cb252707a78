// advlab gan sample: draws latents from N(0, I) and writes the generator's images as a grid.
#include "advlab/core/error.h"
#include "advlab/gan/generator_file.h"
#include "advlab/gan/sample_grid.h"
#include "commands.h"
#include "output_path.h"

#include <ATen/CPUGeneratorImpl.h>

#include <iostream>
#include <memory>

namespace advlab::cli {

namespace {

struct GanSampleArgs {
  std::string generator;
  int64_t n = 64;
  std::string out = "samples.png";
  uint64_t seed = 0;
  int upscale = 2;
};

void run_gan_sample(const GanSampleArgs& args) {
  ADVLAB_CHECK(args.n >= 1 && args.n <= 10000, "--n must be in [1, 10000], got ", args.n);
  ADVLAB_CHECK(args.upscale >= 1 && args.upscale <= 16, "--upscale must be in [1, 16], got ", args.upscale);
  check_output_file("--out", args.out);
  auto generator = gan::load_generator(args.generator);
  auto z = gan::sample_latents(args.n, generator.latent_dim, at::detail::createCPUGenerator(args.seed));
  auto images = gan::generate(generator, z);
  gan::save_sample_grid(args.out, images, args.upscale);
  std::cout << "wrote " << args.n << " samples of " << generator.architecture << " to " << args.out << "\n";
}

}  // namespace

void register_gan_sample_command(CLI::App& gan) {
  auto args = std::make_shared<GanSampleArgs>();
  auto* cmd = gan.add_subcommand("sample", "write a grid of images from a trained generator");
  cmd->add_option("--generator", args->generator, "generator file (advlab gan train's generator.pt)")->required();
  cmd->add_option("--n", args->n, "number of samples")->capture_default_str();
  cmd->add_option("--out", args->out, "output PNG")->capture_default_str();
  cmd->add_option("--seed", args->seed, "seed for the latents")->capture_default_str();
  cmd->add_option("--upscale", args->upscale, "pixel magnification")->capture_default_str();
  cmd->callback([args] { run_gan_sample(*args); });
}

}  // namespace advlab::cli
