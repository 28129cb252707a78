#pragma once
// An attack's parameter table as text: `advlab list-attacks NAME` and
// `advlab attack --attack NAME --help` print it.
#include "advlab/attacks/registry.h"

#include <iosfwd>

namespace advlab::cli {

void print_attack_parameters(const AttackSpec& spec, std::ostream& out);
// After the attack subcommand's --help: the table of the attack named by --attack, if any.
void print_attack_help_from_args(int argc, char** argv, std::ostream& out);

}  // namespace advlab::cli
