#pragma once
// `advlab --ranks N eval|train ...`: this process starts N copies of itself as the ranks of
// one job on this machine, with the variables torchrun sets (RANK, LOCAL_RANK, WORLD_SIZE,
// MASTER_ADDR=127.0.0.1, a free MASTER_PORT), waits for all of them and exits as they did.
// Why not torchrun: Debian 12's cannot start any rank (torch 1.13 on Python 3.11), and a
// 2.x torchrun's store does not speak LibTorch 1.13's protocol.
#include <string>
#include <vector>

namespace advlab::cli {

// The command line without the `--ranks` option (`--ranks N` or `--ranks=N`).
std::vector<std::string> args_without_ranks(int argc, char** argv);

// Starts `ranks` processes running `args` (args[0] is the program) and waits for them. A
// rank's threads: ADVLAB_THREADS if set, else the cores shared out (at least one each);
// `--threads` on the command line wins in each rank as usual. Returns 0 when every rank
// succeeded, else the exit status of the first rank to fail (128 + signal if killed).
int run_ranks(int ranks, const std::vector<std::string>& args);

}  // namespace advlab::cli
