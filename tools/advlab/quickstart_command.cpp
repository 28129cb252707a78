// Placeholder until the quickstart subcommand lands.
#include "advlab/core/error.h"
#include "commands.h"

namespace advlab::cli {

void register_quickstart_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("quickstart", "(not built yet)");
  cmd->callback([] { throw Error("quickstart: not built yet"); });
}

}  // namespace advlab::cli
