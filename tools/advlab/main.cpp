// advlab: adversarial attacks on image classifiers, from the command line.
#include "advlab/core/error.h"
#include "advlab/core/log_format.h"
#include "advlab/core/threads.h"
#include "attack_help.h"
#include "commands.h"
#include "error_lines.h"
#include "option_values.h"
#include "rank_launcher.h"
#include "subcommand_hint.h"

#include <c10/util/Exception.h>

#include <iostream>

namespace {

int run_ranks_or_explain(int ranks, int argc, char** argv) {
  try {
    return advlab::cli::run_ranks(ranks, advlab::cli::args_without_ranks(argc, argv));
  } catch (const advlab::Error& e) {
    std::cerr << "advlab: error: " << advlab::cli::first_line(e.what()) << "\n";
    return 2;
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"advlab: adversarial attacks on image classifiers"};
  app.require_subcommand(1);
  int threads = 0;
  app.add_option("--threads", threads, "torch threads (default: number of cores)");
  std::string log_format = "auto";
  app.add_option("--log-format", log_format,
                 "progress output: auto (a redrawn line on a terminal, plain lines otherwise), "
                 "terminal, plain, json (one object per event) or quiet");
  int ranks = 1;
  app.add_option("--ranks", ranks,
                 "run eval or train as this many processes on this machine (ranks of one job, as torchrun "
                 "--nproc-per-node starts them; the cores are shared out unless --threads says otherwise)");
  // Set once the command line asks for ranks: main starts them instead of running the command.
  bool launch_ranks = false;
  bool quiet = false;
  app.add_flag("--quiet,-q", quiet, "no progress output (results and errors are still printed)");
  app.add_flag_callback(
      "--version",
      [&] {
        advlab::configure_runtime(threads);
        std::cout << advlab::cli::version_text();
        throw CLI::Success();
      },
      "print advlab's version, its LibTorch, the devices and threads it sees, and exit");
  app.parse_complete_callback([&] {
    advlab::set_log_format(quiet ? advlab::LogFormat::kQuiet : advlab::parse_log_format(log_format));
    ADVLAB_CHECK(app.count("--threads") == 0 || threads >= 1, "--threads must be >= 1, got ", threads);
    advlab::configure_runtime(threads);
    if (app.count("--ranks") > 0) {
      ADVLAB_CHECK(ranks >= 1, "--ranks must be >= 1, got ", ranks);
      const auto name = app.get_subcommands().front()->get_name();
      ADVLAB_CHECK(name == "eval" || name == "train", "--ranks runs eval and train across processes; ", name,
                   " runs in one process");
      launch_ranks = ranks > 1;
      if (launch_ranks) throw CLI::Success();  // the ranks run the command, not this process
    }
  });

  advlab::cli::register_train_command(app);
  advlab::cli::register_attack_command(app);
  advlab::cli::register_list_attacks_command(app);
  advlab::cli::register_quickstart_command(app);
  advlab::cli::register_eval_command(app);
  advlab::cli::register_data_command(app);
  advlab::cli::register_demo_command(app);
  advlab::cli::register_gan_command(app);
  advlab::cli::register_advgan_command(app);
  advlab::cli::register_doctor_command(app);
  advlab::cli::register_bench_attacks_command(app);
  advlab::cli::reject_empty_values(app);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (launch_ranks) return run_ranks_or_explain(ranks, argc, argv);
    if (e.get_exit_code() == 0) {  // --help: an attack's help adds its parameter table
      int rc = app.exit(e);
      advlab::cli::print_attack_help_from_args(argc, argv, std::cout);
      return rc;
    }
    auto unknown = advlab::cli::unknown_subcommand_message(app, argc, argv);
    std::cerr << "advlab: error: " << (unknown.empty() ? advlab::cli::first_line(e.what()) : unknown) << "\n";
    return 2;
  } catch (const advlab::Error& e) {
    std::cerr << "advlab: error: " << advlab::cli::first_line(e.what()) << "\n";
    return 2;
  } catch (const c10::Error& e) {
    std::cerr << "advlab: error: " << advlab::cli::explain_torch_error(e.what_without_backtrace()) << "\n";
    return 1;
  } catch (const std::exception& e) {  // also torch::jit::JITException, raised by a model
    std::cerr << "advlab: error: " << advlab::cli::explain_torch_error(e.what()) << "\n";
    return 1;
  }
  return 0;
}
