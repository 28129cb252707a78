// advlab gan sample (placeholder: filled in by the GAN work of issue 5).
#include "commands.h"

namespace advlab::cli {

void register_gan_sample_command(CLI::App& gan) { (void)gan; }

}  // namespace advlab::cli
