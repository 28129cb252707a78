#include "advlab/core/threads.h"

#include "advlab/core/error.h"

#include <ATen/Parallel.h>

#include <dlfcn.h>
#include <malloc.h>

#include <atomic>
#include <cstdlib>

#include <thread>

namespace advlab {

// OpenBLAS keeps one thread per core unless told: "--threads 1" ran its products on every
// core, and two such processes fought over them.
int blas_threads() {
  using Get = int (*)();
  static const auto get = reinterpret_cast<Get>(dlsym(RTLD_DEFAULT, "openblas_get_num_threads"));
  return get ? get() : 0;
}

void set_blas_threads(int n) {
  using Set = void (*)(int);
  static const auto set = reinterpret_cast<Set>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"));
  if (set) set(n);
}

namespace {

std::atomic<int> g_configured{0};

}  // namespace

int configured_threads() { return g_configured.load(); }

void forget_configured_threads() { g_configured = 0; }

int configure_threads(int requested) {
  int n = requested;
  const char* env = std::getenv("ADVLAB_THREADS");
  if (n <= 0 && env && *env) {
    char* end = nullptr;
    const long v = std::strtol(env, &end, 10);
    ADVLAB_CHECK(*end == '\0' && v >= 1 && v <= 4096, "ADVLAB_THREADS must be a whole number >= 1, got '", env, "'");
    n = static_cast<int>(v);
  }
  if (n <= 0) n = static_cast<int>(std::thread::hardware_concurrency());
  if (n <= 0) n = 1;
  at::set_num_threads(n);
  set_blas_threads(n);
  g_configured = at::get_num_threads();
  return g_configured;
}

int configure_runtime(int requested_threads) {
#ifdef __GLIBC__
  mallopt(M_MMAP_THRESHOLD, 32 << 20);  // the largest glibc accepts
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
  mallopt(M_TOP_PAD, 256 << 20);
#endif
  return configure_threads(requested_threads);
}

}  // namespace advlab
