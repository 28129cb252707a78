#pragma once
// Values on the command line are taken exactly or refused: CLI11 reads an empty value
// as 0 ("--eps ''" would be eps 0) and drops empty items of a list ("0.1,,0.2").
#include <CLI/CLI.hpp>

#include <map>
#include <string>
#include <vector>

namespace advlab::cli {

// Every option of `app` and of its subcommands that takes a value refuses an empty one.
// Call once, after all options are added.
void reject_empty_values(CLI::App& app);

// Adds `name` taking comma-separated numbers (also repeated or space-separated); every
// item must be a whole number literal, or parsing fails naming the item.
CLI::Option* add_number_list(CLI::App& cmd, const std::string& name, std::vector<double>& values,
                             const std::string& help);

// "0.1,0.2" -> {0.1, 0.2}; throws advlab::Error "<flag>: ..." for an empty or bad item.
std::vector<double> parse_number_list(const std::string& flag, const std::vector<std::string>& texts);

// "--set pgd.steps=100" -> options["pgd"]["steps"] = "100"; throws advlab::Error for an
// item that is not attack.key=value.
std::map<std::string, std::map<std::string, std::string>> per_attack_settings(const std::vector<std::string>& settings);

}  // namespace advlab::cli
