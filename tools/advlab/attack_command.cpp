// Placeholder until the attack subcommand lands.
#include "advlab/core/error.h"
#include "commands.h"

namespace advlab::cli {

void register_attack_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("attack", "(not built yet)");
  cmd->callback([] { throw Error("attack: not built yet"); });
}

}  // namespace advlab::cli
