#include "rank_launcher.h"

#include "advlab/core/error.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>

namespace advlab::cli {

namespace {

// A loopback port that nothing listens on now (rank 0's store will).
int free_loopback_port() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  ADVLAB_CHECK(fd >= 0, "--ranks: cannot open a socket to find a free port: ", std::strerror(errno));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  bool ok = bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
            getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0;
  close(fd);
  ADVLAB_CHECK(ok, "--ranks: no free loopback port: ", std::strerror(errno));
  return ntohs(addr.sin_port);
}

// The ranks, so that a SIGTERM or SIGHUP sent to the launcher alone reaches them too (a
// terminal's Ctrl-C already goes to the whole process group).
constexpr int kMaxRanks = 1024;
volatile sig_atomic_t g_rank_count = 0;
pid_t g_rank_pids[kMaxRanks];

void forward_signal(int sig) {
  for (int i = 0; i < g_rank_count; ++i) kill(g_rank_pids[i], sig);
}

// Ctrl-C reaches the ranks from the terminal already; the launcher outlives it to exit with
// their status. (A handler, not SIG_IGN: exec resets handlers, but would keep an ignore.)
void wait_for_ranks(int) {}

int exit_status(int status) { return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status); }

}  // namespace

std::vector<std::string> args_without_ranks(int argc, char** argv) {
  std::vector<std::string> args;
  for (int i = 0; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--ranks") {
      ++i;  // and its value
      continue;
    }
    if (a.rfind("--ranks=", 0) == 0) continue;
    args.push_back(a);
  }
  return args;
}

int run_ranks(int ranks, const std::vector<std::string>& args) {
  ADVLAB_CHECK(ranks >= 1 && ranks <= kMaxRanks, "--ranks must be in [1, ", kMaxRanks, "], got ", ranks);
  ADVLAB_CHECK(!std::getenv("RANK") && !std::getenv("WORLD_SIZE"),
               "--ranks starts its own ranks, but RANK or WORLD_SIZE is already set (a launcher such as torchrun or "
               "srun started this process): use one or the other");
  const int port = free_loopback_port();
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  const std::string threads = std::getenv("ADVLAB_THREADS") ? std::getenv("ADVLAB_THREADS")
                                                           : std::to_string(std::max(1u, cores / ranks));
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);

  struct sigaction forward {};
  forward.sa_handler = forward_signal;
  sigemptyset(&forward.sa_mask);
  sigaction(SIGTERM, &forward, nullptr);
  sigaction(SIGHUP, &forward, nullptr);
  struct sigaction stay {};
  stay.sa_handler = wait_for_ranks;
  sigemptyset(&stay.sa_mask);
  sigaction(SIGINT, &stay, nullptr);

  for (int r = 0; r < ranks; ++r) {
    pid_t pid = fork();
    ADVLAB_CHECK(pid >= 0, "--ranks: cannot start rank ", r, ": ", std::strerror(errno));
    if (pid == 0) {
      setenv("RANK", std::to_string(r).c_str(), 1);
      setenv("LOCAL_RANK", std::to_string(r).c_str(), 1);
      setenv("WORLD_SIZE", std::to_string(ranks).c_str(), 1);
      setenv("MASTER_ADDR", "127.0.0.1", 1);
      setenv("MASTER_PORT", std::to_string(port).c_str(), 1);
      setenv("ADVLAB_THREADS", threads.c_str(), 1);
      execv("/proc/self/exe", argv.data());
      std::fprintf(stderr, "advlab: error: --ranks: cannot start rank %d: %s\n", r, std::strerror(errno));
      _exit(127);
    }
    g_rank_pids[r] = pid;
    g_rank_count = r + 1;
  }
  // Every rank runs to its end: a failing rank makes the others stop with a line naming it
  // (the job's own heartbeat), so none is killed here.
  int first_failure = 0;
  for (int left = ranks; left > 0;) {
    int status = 0;
    pid_t pid = waitpid(-1, &status, 0);
    if (pid < 0) {
      if (errno == EINTR) continue;
      break;
    }
    --left;
    if (first_failure == 0 && exit_status(status) != 0) first_failure = exit_status(status);
  }
  return first_failure;
}

}  // namespace advlab::cli
