#include "attack_help.h"

#include "advlab/core/error.h"

#include <iomanip>
#include <ostream>
#include <string>

namespace advlab::cli {

namespace {

std::string default_text(const ParamInfo& p) {
  if (p.required) return "required";
  if (p.default_value.is_null()) return "none";
  if (p.default_value.is_string()) return p.default_value.get<std::string>().empty() ? "\"\"" : p.default_value.get<std::string>();
  return p.default_value.dump();
}

}  // namespace

void print_attack_parameters(const AttackSpec& spec, std::ostream& out) {
  std::string norms;
  for (const auto& n : spec.norms) norms += (norms.empty() ? "" : ", ") + n;
  out << spec.name << " (" << spec.family << (spec.minimum_norm ? ", minimum-norm" : "") << "; norms " << norms
      << "): " << spec.help << "\n\n"
      << "options (--set key=value; eps, norm, steps, step_size, restarts, queries also as flags):\n";
  for (const auto& p : spec.params) {
    out << "  " << std::left << std::setw(18) << p.name << std::setw(12) << param_type_name(p.type) << std::setw(14)
        << default_text(p) << p.help;
    if (!p.range.empty()) out << " [" << p.range << "]";
    if (!p.aliases.empty()) {
      out << " (also:";
      for (const auto& a : p.aliases) out << " " << a;
      out << ")";
    }
    out << "\n";
  }
}

void print_attack_help_from_args(int argc, char** argv, std::ostream& out) {
  bool in_attack = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "attack") in_attack = true;
    if (!in_attack) continue;
    std::string name;
    if (arg == "--attack" && i + 1 < argc) name = argv[i + 1];
    if (arg.rfind("--attack=", 0) == 0) name = arg.substr(9);
    if (name.empty()) continue;
    out << "\n";
    try {
      print_attack_parameters(find_attack(name), out);
    } catch (const Error& e) {
      out << e.what() << "\n";
    }
    return;
  }
}

}  // namespace advlab::cli
