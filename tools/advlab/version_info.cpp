// `advlab --version`: what was built, against what, and what it sees here.
#include "commands.h"

#include <ATen/Parallel.h>
#include <torch/cuda.h>
#include <torch/version.h>

#include <sstream>

#ifndef ADVLAB_VERSION
#define ADVLAB_VERSION "unknown"
#endif

namespace advlab::cli {

std::string version_text() {
  std::ostringstream out;
  out << "advlab " << ADVLAB_VERSION << "\n";
  out << "LibTorch " << TORCH_VERSION << (torch::cuda::is_available() ? " (CUDA)" : "") << "\n";
  out << "devices: cpu";
  int64_t gpus = static_cast<int64_t>(torch::cuda::device_count());
  for (int64_t i = 0; i < gpus; ++i) out << ", cuda:" << i;
  out << "\n";
  out << "threads: " << at::get_num_threads() << "\n";
  return out.str();
}

}  // namespace advlab::cli
