// Placeholder until the train subcommand lands.
#include "advlab/core/error.h"
#include "commands.h"

namespace advlab::cli {

void register_list_attacks_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("list-attacks", "(not built yet)");
  cmd->callback([] { throw Error("train: not built yet"); });
}

}  // namespace advlab::cli
