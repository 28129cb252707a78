#pragma once
// Trains a DCGAN (Radford et al. 2016: non-saturating loss, Adam 2e-4, beta1 0.5) or a
// WGAN-GP (Gulrajani et al. 2017: critic without batch norm, gradient penalty lambda 10,
// 5 critic steps per generator step, Adam 1e-4, betas (0, 0.9)) on an image dataset,
// writing into out_dir after every epoch:
//   generator.pt       the generator (GAN generator file contract), eval mode
//   discriminator.pt   the discriminator / critic
//   checkpoint.pt      G (opens as the generator) + D, both Adam states, epoch count,
//                      best coverage so far; atomic. Randomness is drawn from generators
//                      seeded by (seed, epoch), so the checkpoint fixes all future draws
//                      and --resume gives bitwise the same result as an uninterrupted run.
//   diagnostics.jsonl  one JSON line per epoch: losses, gradient norms, (WGAN) Wasserstein
//                      estimate and gradient penalty, and with a judge mode coverage, FID
//   samples/epoch-NNN.png  a grid from one fixed latent batch
// An epoch is one pass over the data in discriminator batches (WGAN-GP: a generator step
// after every n_critic critic batches).
#include "advlab/data/dataset.h"
#include "advlab/gan/judge.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>

namespace advlab::gan {

struct GanTrainOptions {
  std::string arch = "dcgan";  // dcgan | wgan-gp
  int64_t epochs = 5;
  int64_t batch_size = 64;
  // Unset: the paper's value for arch (see above).
  std::optional<double> lr_generator, lr_discriminator, beta1, beta2;
  std::optional<int64_t> n_critic;  // unset: 1 (dcgan), 5 (wgan-gp)
  double gp_lambda = 10;            // wgan-gp only
  int64_t latent_dim = 64;
  int64_t generator_width = 128;
  int64_t discriminator_width = 64;
  uint64_t seed = 0;
  std::string out_dir;  // required
  bool resume = false;  // continue from out_dir/checkpoint.pt if it exists
  std::ostream* progress = nullptr;
  // Optional judge classifier: enables mode coverage and FID.
  std::shared_ptr<Judge> judge;
  int64_t diagnostic_samples = 2000;  // generated (and real) images for coverage and FID
  double coverage_share = 0.25;       // a class is covered at >= 25% of its uniform share
  int64_t grid_samples = 64;          // images in each samples/epoch-NNN.png
};

// The paper defaults filled in; throws advlab::Error naming any bad value.
GanTrainOptions resolve_gan_options(const GanTrainOptions& options);

struct GanTrainSummary {
  int64_t epochs_completed = 0;
  nlohmann::json last_diagnostics;  // the last line of diagnostics.jsonl
  std::string generator_path, discriminator_path, checkpoint_path, diagnostics_path;
};

GanTrainSummary train_gan(const data::Dataset& dataset, const GanTrainOptions& options);

}  // namespace advlab::gan
