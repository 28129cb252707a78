#include "advlab/dist/launch.h"

#include "advlab/core/error.h"

#include <cstdlib>
#include <string>

namespace advlab::dist {

namespace {

const char* env(const char* name) {
  const char* v = std::getenv(name);
  return v && *v ? v : nullptr;
}

int64_t env_int(const char* name, int64_t fallback) {
  const char* v = env(name);
  if (!v) return fallback;
  char* end = nullptr;
  long long x = std::strtoll(v, &end, 10);
  ADVLAB_CHECK(end && *end == '\0', "environment variable ", name, " must be an integer, got '", v, "'");
  return x;
}

}  // namespace

std::optional<Launch> launch_from_env() {
  Launch l;
  if (env("RANK") || env("WORLD_SIZE")) {
    ADVLAB_CHECK(env("RANK") && env("WORLD_SIZE"), "distributed launch needs both RANK and WORLD_SIZE, got only ",
                 env("RANK") ? "RANK" : "WORLD_SIZE");
    l.rank = static_cast<int>(env_int("RANK", 0));
    l.world_size = static_cast<int>(env_int("WORLD_SIZE", 1));
    l.local_rank = static_cast<int>(env_int("LOCAL_RANK", l.rank));
  } else if (env("SLURM_PROCID") && env("SLURM_NTASKS")) {
    l.rank = static_cast<int>(env_int("SLURM_PROCID", 0));
    l.world_size = static_cast<int>(env_int("SLURM_NTASKS", 1));
    l.local_rank = static_cast<int>(env_int("SLURM_LOCALID", 0));
    if (l.world_size == 1) return std::nullopt;  // an ordinary one-task Slurm job
  } else {
    return std::nullopt;
  }
  ADVLAB_CHECK(l.world_size >= 1, "WORLD_SIZE must be >= 1, got ", l.world_size);
  ADVLAB_CHECK(l.rank >= 0 && l.rank < l.world_size, "RANK must be in [0, WORLD_SIZE) = [0, ", l.world_size,
               "), got ", l.rank);
  ADVLAB_CHECK(l.local_rank >= 0, "LOCAL_RANK must be >= 0, got ", l.local_rank);
  if (const char* addr = env("MASTER_ADDR")) l.master_addr = addr;
  else ADVLAB_CHECK(l.world_size == 1, "distributed launch of ", l.world_size, " processes needs MASTER_ADDR");
  int64_t port = env_int("MASTER_PORT", 29500);
  ADVLAB_CHECK(port >= 1 && port <= 65535, "MASTER_PORT must be in [1, 65535], got ", port);
  l.master_port = static_cast<uint16_t>(port);
  if (const char* agent = env("TORCHELASTIC_USE_AGENT_STORE")) l.agent_store = std::string(agent) == "True";
  l.restart = static_cast<int>(env_int("TORCHELASTIC_RESTART_COUNT", 0));
  return l;
}

}  // namespace advlab::dist
