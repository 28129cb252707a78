#pragma once
// Each subcommand lives in its own file and adds itself to the app here.
// A registrar adds a subcommand to `app` and sets its callback; callbacks throw
// advlab::Error for bad input (main() turns that into one line on stderr, exit 2).
#include <CLI/CLI.hpp>

#include <string>

namespace advlab::cli {

void register_train_command(CLI::App& app);
void register_attack_command(CLI::App& app);
void register_list_attacks_command(CLI::App& app);
void register_quickstart_command(CLI::App& app);
void register_eval_command(CLI::App& app);
void register_data_command(CLI::App& app);
void register_demo_command(CLI::App& app);
void register_gan_command(CLI::App& app);
void register_advgan_command(CLI::App& app);
void register_doctor_command(CLI::App& app);
void register_bench_attacks_command(CLI::App& app);
// Subcommands of `advlab gan`, each in its own file.
void register_gan_train_command(CLI::App& gan);
void register_gan_sample_command(CLI::App& gan);
void register_gan_invert_command(CLI::App& gan);

}  // namespace advlab::cli

namespace advlab::cli {

// advlab's version, the LibTorch it was built with, the devices and threads it sees.
std::string version_text();

}  // namespace advlab::cli
