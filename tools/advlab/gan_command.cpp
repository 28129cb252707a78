// advlab gan: train generative adversarial networks and use their generators. Each
// subcommand (train, sample, invert) lives in its own file.
#include "commands.h"

namespace advlab::cli {

void register_gan_command(CLI::App& app) {
  auto* gan = app.add_subcommand("gan", "Train GANs (dcgan, wgan-gp), sample them, train inverters");
  gan->require_subcommand(1);
  register_gan_train_command(*gan);
  register_gan_sample_command(*gan);
  register_gan_invert_command(*gan);
}

}  // namespace advlab::cli
