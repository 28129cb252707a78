// advlab list-attacks: the registry as a table.
#include "advlab/attacks/registry.h"
#include "attack_help.h"
#include "commands.h"

#include <iomanip>
#include <iostream>
#include <memory>

namespace advlab::cli {

void register_list_attacks_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("list-attacks", "list the registered attacks; with a name, its parameter table");
  auto name = std::make_shared<std::string>();
  cmd->add_option("name", *name, "an attack: print its options (name, type, default, range, help)");
  cmd->callback([name] {
    if (!name->empty()) return print_attack_parameters(find_attack(*name), std::cout);
    std::cout << std::left << std::setw(12) << "name" << std::setw(11) << "family" << std::setw(16)
              << "norms" << std::setw(10) << "targeted" << std::setw(10) << "min-norm" << "description\n";
    for (const auto& spec : attack_registry()) {
      std::string norms;
      for (const auto& n : spec.norms) norms += (norms.empty() ? "" : ",") + n;
      std::cout << std::setw(12) << spec.name << std::setw(11) << spec.family << std::setw(16) << norms
                << std::setw(10) << (spec.targeted ? "yes" : "no") << std::setw(10)
                << (spec.minimum_norm ? "yes" : "no") << spec.help << "\n";
    }
  });
}

}  // namespace advlab::cli
