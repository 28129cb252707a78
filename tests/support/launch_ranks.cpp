#include "support/launch_ranks.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>

namespace advlab::testing {

int free_port() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  int port = 29500;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0)
    port = ntohs(addr.sin_port);
  close(fd);
  return port;
}

pid_t spawn_rank(const std::vector<std::string>& args, int rank, int world, int port, const std::string& log,
                 const std::string& timeout_seconds) {
  pid_t pid = fork();
  if (pid == 0) {
    FILE* f = std::freopen(log.c_str(), "w", stderr);
    (void)f;
    FILE* g = std::freopen((log + ".out").c_str(), "w", stdout);
    (void)g;
    if (world > 0) {
      setenv("RANK", std::to_string(rank).c_str(), 1);
      setenv("LOCAL_RANK", std::to_string(rank).c_str(), 1);
      setenv("WORLD_SIZE", std::to_string(world).c_str(), 1);
      setenv("MASTER_ADDR", "127.0.0.1", 1);
      setenv("MASTER_PORT", std::to_string(port).c_str(), 1);
      setenv("ADVLAB_DIST_TIMEOUT", timeout_seconds.c_str(), 1);
    }
    setenv("ADVLAB_THREADS", "1", 1);
    std::vector<char*> argv{const_cast<char*>(ADVLAB_BINARY)};
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(ADVLAB_BINARY, argv.data());
    _exit(127);
  }
  return pid;
}

int wait_exit(pid_t pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::vector<int> run_job(const std::vector<std::string>& args, int world, const std::string& log_prefix) {
  const int port = free_port();
  std::vector<pid_t> pids;
  for (int r = 0; r < std::max(world, 1); ++r)
    pids.push_back(spawn_rank(args, r, world, port, log_prefix + std::to_string(r)));
  std::vector<int> codes;
  for (auto pid : pids) codes.push_back(wait_exit(pid));
  return codes;
}

}  // namespace advlab::testing
