#pragma once
// Starts the advlab binary as the ranks of a job on loopback, the way torchrun does:
// RANK, LOCAL_RANK, WORLD_SIZE, MASTER_ADDR=127.0.0.1 and a free MASTER_PORT in each
// process's environment (plus ADVLAB_THREADS=1 and ADVLAB_DIST_TIMEOUT).
#include <sys/types.h>

#include <string>
#include <vector>

namespace advlab::testing {

// A loopback port nobody listens on now.
int free_port();
// Starts rank `rank` of `world` (world 0: a plain process, no launch variables), its
// stderr to `log` and its stdout to `log`.out; returns its pid.
pid_t spawn_rank(const std::vector<std::string>& args, int rank, int world, int port, const std::string& log,
                 const std::string& timeout_seconds = "20");
// Waits for pid; its exit status, or 128 + signal.
int wait_exit(pid_t pid);
// Runs all ranks to the end (logs log_prefix + rank); the exit status of each.
std::vector<int> run_job(const std::vector<std::string>& args, int world, const std::string& log_prefix);

}  // namespace advlab::testing
