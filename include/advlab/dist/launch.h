#pragma once
// Where this process sits in a multi-process job, as torchrun or Slurm's srun describe it
// in the environment: RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT (torchrun),
// or SLURM_PROCID, SLURM_NTASKS, SLURM_LOCALID when RANK is absent (srun). Without them a
// run is an ordinary single process.
#include <cstdint>
#include <optional>
#include <string>

namespace advlab::dist {

struct Launch {
  int rank = 0;
  int world_size = 1;
  int local_rank = 0;
  std::string master_addr = "127.0.0.1";
  uint16_t master_port = 29500;
  // torchrun's agent already hosts a store at MASTER_ADDR:MASTER_PORT
  // (TORCHELASTIC_USE_AGENT_STORE=True): every rank connects as a client.
  bool agent_store = false;
  int restart = 0;  // TORCHELASTIC_RESTART_COUNT: keys of an earlier attempt are not this one's
};

// The job this process belongs to, or none when the environment names no job (or a
// Slurm job of one task). Throws advlab::Error for malformed or inconsistent values.
std::optional<Launch> launch_from_env();

}  // namespace advlab::dist
